/*
 * Sign-in with a real browser: Debian's Chromium driven by playwright-core, trusting the dev CA the
 * way a developer's browser does (imported into its NSS database), resolving only the stack's two
 * host names (everything else fails to resolve, so the browser sends nothing off the machine), with
 * Chromium's background services off. The flows go through Traefik, oauth2-proxy and Dex exactly as
 * a person's would.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import bcrypt from "bcryptjs";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { BrowserContext, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { AttackContext, N8N_CONTENT } from "./attacks";
import { CheckError, Expect, runOk, sleep } from "./harness";

export const SSO_COOKIE = "__Host-n8n-sso";
const CHROMIUM = process.env.E2E_CHROMIUM ?? "/usr/bin/chromium";

/** An IdP account outside sso.allowedEmailDomains: Dex signs it in, oauth2-proxy must refuse it. */
export const OUTSIDER = { email: "outsider@other.example", username: "Outsider", userID: "0f1e2d3c-4b5a-4697-a887-766554433221", passwordFile: "outsider-password" };
/**
 * A second allowed user, for the session that must survive a refresh: Dex keeps one refresh token
 * per user and client, so each later sign-in of the demo user (other cases do many) revokes the
 * previous one's.
 */
export const SECOND_USER = { email: "second@example.com", username: "Second User", userID: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", passwordFile: "second-user-password" };

/** Adds the test's accounts to the dev Dex config in the test's secrets folder (before deploy; Dex reads it at start). */
export function addTestAccounts(secretsDir: string, work: string): { emails: string[] } {
  const file = path.join(secretsDir, "dex-config.yaml");
  const doc = JSON.parse(readFileSync(file, "utf8"));
  for (const account of [OUTSIDER, SECOND_USER]) {
    const password = randomBytes(18).toString("base64url");
    doc.staticPasswords = (doc.staticPasswords ?? []).filter((p: { email: string }) => p.email !== account.email);
    doc.staticPasswords.push({ email: account.email, username: account.username, userID: account.userID, hash: bcrypt.hashSync(password, 10) });
    writeFileSync(path.join(work, account.passwordFile), password, { mode: 0o600 });
  }
  writeFileSync(file, JSON.stringify(doc, null, 2)); // keeps the file's owner and mode
  return { emails: [OUTSIDER.email, SECOND_USER.email] };
}

export interface BrowserSession {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh browser profile that trusts the dev CA and resolves only the stack's hosts to loopback. */
/** `extraHosts`: more of the stack's hosts the browser resolves to loopback (another tenant's). */
export async function openBrowser(ctx: AttackContext, name: string, extraHosts: readonly string[] = []): Promise<BrowserSession> {
  const home = path.join(ctx.work, "browser", name);
  rmSync(home, { recursive: true, force: true });
  const nss = path.join(home, ".pki", "nssdb");
  mkdirSync(nss, { recursive: true });
  runOk("certutil", ["-d", `sql:${nss}`, "-N", "--empty-password"]);
  runOk("certutil", ["-d", `sql:${nss}`, "-A", "-t", "C,,", "-n", "n8n-zero-trust dev CA", "-i", path.join(ctx.secretsDir, "tls", "ca.pem")]);
  const context = await chromium.launchPersistentContext(path.join(home, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: home },
    args: [
      // Root in CI: Chromium's own sandbox needs user namespaces it does not get here.
      "--no-sandbox",
      `--host-resolver-rules=MAP ${ctx.n8nHost} 127.0.0.1, MAP ${ctx.authHost} 127.0.0.1, ${extraHosts.map((h) => `MAP ${h} 127.0.0.1, `).join("")}MAP * ~NOTFOUND`,
      "--no-proxy-server",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-domain-reliability",
      "--disable-features=OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
      "--no-first-run",
    ],
    timeout: 30_000,
  });
  context.setDefaultTimeout(20_000);
  return { context, close: () => context.close() };
}

/** Opens the editor, signs in at Dex with a local account, and returns the page where it ended. */
export async function signInAs(page: Page, ctx: AttackContext, email: string, password: string): Promise<{ loginUrl: string; landed: string; status?: number }> {
  await page.goto(`https://${ctx.n8nHost}/`);
  await page.waitForURL((u) => u.host === ctx.authHost, { timeout: 20_000 });
  // Dex shows its connector list first unless there is one; the local (password) connector is ours.
  if (!(await page.locator("input[name=login]").count())) await page.locator("a[href*='/auth/local'], button:has-text('Email')").first().click();
  await page.locator("input[name=login]").waitFor();
  const loginUrl = page.url();
  await page.fill("input[name=login]", email);
  await page.fill("input[name=password]", password);
  const [response] = await Promise.all([page.waitForNavigation({ url: (u) => u.host === ctx.n8nHost, waitUntil: "domcontentloaded" }).catch(() => null), page.click("button[type=submit]")]);
  return { loginUrl, landed: page.url(), status: response?.status() };
}

const demoPassword = (ctx: AttackContext) => readFileSync(path.join(ctx.secretsDir, "dex-demo-password"), "utf8").trim();

/** The demo user signs in through Dex and reaches n8n; the session cookie is host-only, Secure, HttpOnly, SameSite=Lax. */
export async function browserSignIn(ctx: AttackContext, demoEmail: string): Promise<unknown> {
  const b = await openBrowser(ctx, "demo");
  try {
    const page = await b.context.newPage();
    const r = await signInAs(page, ctx, demoEmail, demoPassword(ctx));
    await page.waitForLoadState("networkidle").catch(() => undefined);
    const title = await page.title();
    // The editor as the signed-in browser saw it, saved with the results.
    const screenshot = path.join(ctx.work, "sso-sign-in.png");
    await page.screenshot({ path: screenshot });
    const cookies = await b.context.cookies(`https://${ctx.n8nHost}/`);
    const sso = cookies.find((c) => c.name === SSO_COOKIE);
    // n8n keeps its own login behind SSO: its REST API still wants n8n's session.
    const rest = await page.evaluate(async () => (await fetch("/rest/workflows", { credentials: "include" })).status);
    const hoursLeft = sso ? (sso.expires - Date.now() / 1000) / 3600 : 0;
    const e = new Expect()
      .ok("the editor sent the browser to Dex's password form", r.loginUrl.startsWith(`https://${ctx.authHost}/dex/auth`), r.loginUrl)
      .ok("after sign-in the browser is back on the n8n host", new URL(r.landed).host === ctx.n8nHost, r.landed)
      .ok("n8n's editor is served", /n8n/i.test(title), `title "${title}"`)
      .ok("a session cookie is set", !!sso, `cookies: ${cookies.map((c) => c.name).join(", ")}`);
    if (sso) {
      e.equal("session cookie flags", { secure: sso.secure, httpOnly: sso.httpOnly, sameSite: sso.sameSite, domain: sso.domain }, { secure: true, httpOnly: true, sameSite: "Lax", domain: ctx.n8nHost });
      e.ok("the session lasts the configured 8 h, not oauth2-proxy's 168 h default", hoursLeft > 7.5 && hoursLeft <= 8.01, `${hoursLeft.toFixed(2)} h`);
    }
    e.equal("n8n's REST API without n8n's own session (SSO alone is not an n8n login)", rest, 401);
    e.ok("a screenshot of the editor is saved with the results", statSync(screenshot).size > 1000, `${statSync(screenshot).size} bytes`);
    return e.done({ loginUrl: r.loginUrl, landed: r.landed, title, screenshot, cookie: sso && { ...sso, value: "(redacted)" }, restWithoutN8nLogin: rest });
  } finally {
    await b.close();
  }
}

/** An account the IdP knows but the allow-list does not: oauth2-proxy refuses it and sets no session. */
export async function browserRefusedUser(ctx: AttackContext): Promise<unknown> {
  const password = readFileSync(path.join(ctx.work, OUTSIDER.passwordFile), "utf8");
  const b = await openBrowser(ctx, "outsider");
  try {
    const page = await b.context.newPage();
    const r = await signInAs(page, ctx, OUTSIDER.email, password);
    const body = (await page.textContent("body").catch(() => "")) ?? "";
    const cookies = await b.context.cookies(`https://${ctx.n8nHost}/`);
    // From the page itself (the browser resolves the host; Node's resolver does not know *.localhost).
    // A background request as n8n's frontend sends it; a redirect to the IdP shows as 0 (opaque), a refusal as 401.
    const after = await page.evaluate(async () => {
      const r = await fetch("/rest/login", { credentials: "include", redirect: "manual", headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" } });
      return r.type === "opaqueredirect" ? "redirect to sign-in" : r.status;
    });
    return new Expect()
      .ok("Dex accepted the password (the refusal is oauth2-proxy's)", new URL(r.landed).host === ctx.n8nHost, r.landed)
      .equal("oauth2-proxy's answer on the callback", r.status, 403)
      .ok("the page is oauth2-proxy's refusal, not n8n", !N8N_CONTENT.test(body), body.slice(0, 200))
      .ok("no session cookie", !cookies.some((c) => c.name === SSO_COOKIE), cookies.map((c) => c.name).join(", "))
      .ok("a background request afterwards gets no n8n answer", after === 401 || after === "redirect to sign-in", String(after))
      .done({ landed: r.landed, status: r.status, body: body.replace(/\s+/g, " ").slice(0, 160), after });
  } finally {
    await b.close();
  }
}

/** Signing out clears the session: the next visit goes back to the IdP. */
export async function browserSignOut(ctx: AttackContext, demoEmail: string): Promise<unknown> {
  const b = await openBrowser(ctx, "signout");
  try {
    const page = await b.context.newPage();
    await signInAs(page, ctx, demoEmail, demoPassword(ctx));
    const before = (await b.context.cookies(`https://${ctx.n8nHost}/`)).some((c) => c.name === SSO_COOKIE);
    await page.goto(`https://${ctx.n8nHost}/oauth2/sign_out`);
    const after = (await b.context.cookies(`https://${ctx.n8nHost}/`)).some((c) => c.name === SSO_COOKIE);
    // The next visit in a tab of its own (same cookies): the sign-out page's own redirects may still
    // be running in the first tab, and a visit there can be cut short by them (seen in CI), which
    // would also leave unclear whose redirect reached the IdP.
    const next = await b.context.newPage();
    await next.goto(`https://${ctx.n8nHost}/`);
    await next.waitForURL((u) => u.host === ctx.authHost).catch(() => undefined);
    const again = next.url();
    if (!before) throw new CheckError("the sign-in before signing out set no session cookie");
    return new Expect()
      .ok("the session cookie is gone after /oauth2/sign_out", !after)
      .ok("the editor sends the browser back to the IdP", new URL(again).host === ctx.authHost, again)
      .done({ cookieBefore: before, cookieAfter: after, nextVisit: again });
  } finally {
    await b.close();
  }
}

/** n8n's owner password for the test (created once per work folder; the owner is set up on first use). */
function ownerPassword(ctx: AttackContext): string {
  const file = path.join(ctx.work, "n8n-owner-password");
  try {
    return readFileSync(file, "utf8");
  } catch {
    const password = `Zt-${randomBytes(12).toString("base64url")}9`;
    writeFileSync(file, password, { mode: 0o600 });
    return password;
  }
}

interface Published {
  readonly owner: number;
  readonly created: number;
  readonly activated: number;
  readonly id?: string;
  readonly problems: string;
}

interface RestAnswer {
  readonly status: number;
  readonly json: any;
  readonly text: string;
}

/** The `browser-id` header of the suite's REST calls: n8n binds its auth cookie to it. */
const BROWSER_ID = "zt-e2e-browser";

/**
 * A real browser signed in through SSO, with n8n's owner logged in — set up first when `setUp`
 * (the first workflow of a run) — whose REST calls go out from the page, as the editor's do.
 */
async function ownerSession(ctx: AttackContext, demoEmail: string, label: string, setUp: boolean): Promise<{ owner: RestAnswer; call: (method: string, url: string, body?: unknown) => Promise<RestAnswer>; cookies: () => Promise<{ name: string; value: string }[]>; close: () => Promise<void> }> {
  const b = await openBrowser(ctx, label);
  try {
    const page = await b.context.newPage();
    await signInAs(page, ctx, demoEmail, demoPassword(ctx));
    await page.waitForLoadState("domcontentloaded");
    const call = (method: string, url: string, body?: unknown): Promise<RestAnswer> =>
      page.evaluate(
        async ({ method, url, body, browserId }) => {
          const r = await fetch(url, { method, headers: { "Content-Type": "application/json", "browser-id": browserId }, credentials: "include", body: body === undefined ? undefined : JSON.stringify(body) });
          const text = await r.text();
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          return { status: r.status, json, text: text.slice(0, 300) };
        },
        { method, url, body, browserId: BROWSER_ID },
      );
    const password = ownerPassword(ctx);
    let owner = setUp ? await call("POST", "/rest/owner/setup", { email: demoEmail, firstName: "Demo", lastName: "Owner", password }) : undefined;
    if (owner?.status !== 200) owner = await call("POST", "/rest/login", { emailOrLdapLoginId: demoEmail, password });
    return { owner, call, cookies: () => b.context.cookies(), close: () => b.close() };
  } catch (e) {
    await b.close();
    throw e;
  }
}

/**
 * Creates and publishes a workflow through n8n's REST API as its owner (set up on first use), as
 * the editor does: one trigger node, or nodes with their connections.
 */
export async function publishWorkflow(ctx: AttackContext, demoEmail: string, name: string, node: Record<string, unknown> | { nodes: Record<string, unknown>[]; connections: Record<string, unknown> }): Promise<Published> {
  const nodes = "nodes" in node ? (node.nodes as Record<string, unknown>[]) : [node];
  const connections = "nodes" in node ? node.connections : {};
  const s = await ownerSession(ctx, demoEmail, `owner-${name.replace(/[^a-z0-9]+/gi, "-")}`, true);
  try {
    const created = await s.call("POST", "/rest/workflows", { name, nodes: nodes.map((n, i) => ({ id: randomUUID(), webhookId: randomUUID(), position: [i * 200, 0], ...n })), connections, settings: { executionOrder: "v1" }, active: false });
    const wf = created.json?.data ?? created.json;
    const activated = wf?.id ? await s.call("POST", `/rest/workflows/${wf.id}/activate`, { versionId: wf.versionId }) : { status: 0, json: undefined, text: "no workflow" };
    const problems = [s.owner, created, activated].filter((r) => r.status !== 200).map((r) => r.text).join(" | ");
    return { owner: s.owner.status, created: created.status, activated: activated.status, id: wf?.id, problems };
  } finally {
    await s.close();
  }
}

/** Calls a public URL until n8n has registered it (it does so right after publishing), bounded. */
async function untilRegistered(get: () => { code: string; body: string; headers?: Record<string, string> }): Promise<{ code: string; body: string; headers?: Record<string, string> }> {
  let r = get();
  for (let i = 0; i < 20 && r.code !== "200"; i++) {
    await new Promise((res) => setTimeout(res, 500));
    r = get();
  }
  return r;
}

type Anonymous = (url: string, extra?: string[]) => { code: string; body: string; headers: Record<string, string> };

/**
 * A public webhook works without SSO, end to end: a workflow with a Webhook node is published
 * through n8n's REST API (behind SSO); then an anonymous client (curl on the host, no cookie) calls
 * /webhook/<path> and n8n answers, while /webhook-test/<path> still needs SSO.
 */
export async function publicWebhook(ctx: AttackContext, demoEmail: string, anonymous: Anonymous): Promise<unknown> {
  const hookPath = `zt-e2e-${randomBytes(4).toString("hex")}`;
  const api = await publishWorkflow(ctx, demoEmail, `zero-trust e2e ${hookPath}`, { name: "Webhook", type: "n8n-nodes-base.webhook", typeVersion: 2, parameters: { httpMethod: "GET", path: hookPath, responseMode: "onReceived", options: {} } });
  const hook = await untilRegistered(() => anonymous(`https://${ctx.n8nHost}/webhook/${hookPath}`));
  const editorPath = anonymous(`https://${ctx.n8nHost}/webhook-test/${hookPath}`);
  // The resilience drills call the published workflow again after crashes and restarts.
  if (hook.code === "200") writeFileSync(path.join(ctx.work, "public-webhook-path"), hookPath);
  return new Expect()
    .equal("n8n owner set up (or logged in), workflow created and published with the SSO session", [api.owner, api.created, api.activated], [200, 200, 200])
    .equal("the public webhook answers an anonymous client", hook.code, "200")
    .ok("the answer is n8n's", /Workflow was started/i.test(hook.body), hook.body.slice(0, 200))
    .ok("the same path under /webhook-test/ (the editor's) still needs SSO", editorPath.code === "302" || editorPath.code === "401", editorPath.code)
    .done({ api, webhook: { path: `/webhook/${hookPath}`, status: hook.code, body: hook.body.slice(0, 120) }, webhookTest: editorPath.code });
}

/**
 * A public form works without SSO: a Form Trigger workflow is published; an anonymous client gets
 * the form at /form/<path> inside n8n's HTML sandbox (CSP `sandbox`, so its script cannot act on the
 * editor's origin) and submits it; /form-test/<path> still needs SSO.
 */
export async function publicForm(ctx: AttackContext, demoEmail: string, anonymous: Anonymous): Promise<unknown> {
  const formPath = `zt-e2e-form-${randomBytes(4).toString("hex")}`;
  const title = "Zero-trust e2e form";
  const api = await publishWorkflow(ctx, demoEmail, `zero-trust e2e ${formPath}`, {
    name: "Form",
    type: "n8n-nodes-base.formTrigger",
    typeVersion: 2.2,
    // Form Trigger 2.2 takes its path under options (a top-level `path` is dropped as unknown and the webhook id is used).
    parameters: { formTitle: title, formFields: { values: [{ fieldLabel: "Name" }] }, responseMode: "onReceived", options: { path: formPath } },
  });
  const form = await untilRegistered(() => anonymous(`https://${ctx.n8nHost}/form/${formPath}`, ["-H", "Accept: text/html"]));
  const submit = anonymous(`https://${ctx.n8nHost}/form/${formPath}`, ["-F", "field-0=Alice"]);
  const editorPath = anonymous(`https://${ctx.n8nHost}/form-test/${formPath}`, ["-H", "Accept: text/html"]);
  const csp = form.headers?.["content-security-policy"] ?? "";
  return new Expect()
    .equal("n8n owner logged in, form workflow created and published with the SSO session", [api.owner, api.created, api.activated], [200, 200, 200])
    .equal("the public form is served to an anonymous client", form.code, "200")
    .ok("it is n8n's form", form.body.includes(title), form.body.slice(0, 200))
    .ok("inside n8n's HTML sandbox (CSP sandbox)", /^sandbox\b/.test(csp), csp || "no Content-Security-Policy header")
    .equal("an anonymous submission is accepted", submit.code, "200")
    .ok("the same path under /form-test/ (the editor's) still needs SSO", editorPath.code === "302" || editorPath.code === "401", editorPath.code)
    .done({ api, form: { path: `/form/${formPath}`, status: form.code, csp }, submit: submit.code, formTest: editorPath.code });
}

/** oauth2-proxy's cookie signature (pkg/encryption): HMAC-SHA256 keyed with the secret over name, value and timestamp, base64url with padding. */
function signCookie(secret: string, name: string, encodedValue: string, timestamp: number): string {
  const sig = createHmac("sha256", secret).update(name).update(encodedValue).update(String(timestamp)).digest("base64").replace(/\+/g, "-").replace(/\//g, "_");
  return `${encodedValue}|${timestamp}|${sig}`;
}

/**
 * The session lifetime is enforced by oauth2-proxy itself, not by the browser's cookie expiry: the
 * real session of a browser sign-in, re-signed with the real cookie secret, is accepted with a fresh
 * timestamp and refused once older than sso.cookieExpire (or dated in the future).
 */
export async function sessionLifetime(ctx: AttackContext, demoEmail: string, expireSeconds: number, get: Anonymous): Promise<unknown> {
  const b = await openBrowser(ctx, "lifetime");
  let cookie: string;
  try {
    const page = await b.context.newPage();
    await signInAs(page, ctx, demoEmail, demoPassword(ctx));
    const cookies = await b.context.cookies(`https://${ctx.n8nHost}/`);
    const sso = cookies.filter((c) => c.name.startsWith(SSO_COOKIE));
    if (sso.length !== 1 || sso[0].name !== SSO_COOKIE) throw new CheckError(`expected one ${SSO_COOKIE} cookie, got ${sso.map((c) => c.name).join(", ") || "none"}`);
    cookie = sso[0].value;
  } finally {
    await b.close();
  }
  const [encoded, issued] = cookie.split("|");
  const secret = readFileSync(path.join(ctx.secretsDir, "oauth2-proxy-cookie-secret"), "utf8");
  const now = Math.floor(Date.now() / 1000);
  const editor = (value: string) => get(`https://${ctx.n8nHost}/`, ["-H", "Accept: text/html", "-H", `Cookie: ${SSO_COOKIE}=${value}`]);
  const as = (r: { code: string; headers: Record<string, string>; body: string }) => (r.code === "200" && /window\.BASE_PATH|<title>n8n/i.test(r.body) ? "n8n editor" : `${r.code} ${r.headers.location?.startsWith(`https://${ctx.authHost}/`) ? "→ IdP" : ""}`.trim());
  const seen = {
    asIssued: as(editor(cookie)),
    resignedNow: as(editor(signCookie(secret, SSO_COOKIE, encoded, now))),
    justInside: as(editor(signCookie(secret, SSO_COOKIE, encoded, now - expireSeconds + 120))),
    expired: as(editor(signCookie(secret, SSO_COOKIE, encoded, now - expireSeconds - 60))),
    future: as(editor(signCookie(secret, SSO_COOKIE, encoded, now + 600))),
    tamperedTimestamp: as(editor(`${encoded}|${now - expireSeconds - 60}|${cookie.split("|")[2]}`)),
  };
  return new Expect()
    .equal("the session as issued opens the editor", seen.asIssued, "n8n editor")
    .equal("re-signed with the real secret and a fresh timestamp, it still does (the signing is oauth2-proxy's)", seen.resignedNow, "n8n editor")
    .ok("just inside the lifetime it is still a session (refreshed with the IdP if due)", seen.justInside === "n8n editor" || seen.justInside.startsWith("302"), seen.justInside)
    .equal(`older than sso.cookieExpire (${expireSeconds} s): sent to the IdP`, seen.expired, "302 → IdP")
    .equal("dated in the future: sent to the IdP", seen.future, "302 → IdP")
    .equal("an old timestamp under the original signature: sent to the IdP", seen.tamperedTimestamp, "302 → IdP")
    .done({ issuedSecondsAgo: now - Number(issued), ...seen });
}

/**
 * n8n's resume URLs are capabilities: a workflow that waits for a webhook call hands out a signed
 * /webhook-waiting/<execution> URL. Anonymous clients reach that path (it is public, like webhooks),
 * so n8n's token is what protects it: without it or with a tampered one n8n refuses; the URL as
 * handed out resumes the execution.
 */
export async function waitingWebhook(ctx: AttackContext, demoEmail: string, anonymous: Anonymous): Promise<unknown> {
  const hookPath = `zt-e2e-wait-${randomBytes(4).toString("hex")}`;
  const api = await publishWorkflow(ctx, demoEmail, `zero-trust e2e ${hookPath}`, {
    nodes: [
      { name: "Webhook", type: "n8n-nodes-base.webhook", typeVersion: 2, parameters: { httpMethod: "GET", path: hookPath, responseMode: "responseNode", options: {} } },
      { name: "Respond", type: "n8n-nodes-base.respondToWebhook", typeVersion: 1.1, parameters: { respondWith: "text", responseBody: "={{ $execution.resumeUrl }}", options: {} } },
      { name: "Wait", type: "n8n-nodes-base.wait", typeVersion: 1.1, parameters: { resume: "webhook", httpMethod: "GET", responseMode: "onReceived", options: {} } },
    ],
    connections: { Webhook: { main: [[{ node: "Respond", type: "main", index: 0 }]] }, Respond: { main: [[{ node: "Wait", type: "main", index: 0 }]] } },
  });
  const started = await untilRegistered(() => anonymous(`https://${ctx.n8nHost}/webhook/${hookPath}`));
  const resumeUrl = started.body.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(resumeUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed) throw new CheckError(`the workflow did not hand out a resume URL (status ${started.code}): ${started.body.slice(0, 200)}`);
  const bare = `${parsed.origin}${parsed.pathname}`;
  const params = [...parsed.searchParams.entries()];
  const tampered = new URL(resumeUrl);
  for (const [k, v] of params) tampered.searchParams.set(k, v.replace(/.$/, (c) => (c === "a" ? "b" : "a")));
  const noToken = anonymous(bare);
  const badToken = anonymous(tampered.toString());
  // Give the execution a moment to be stored as waiting before resuming it.
  await new Promise((r) => setTimeout(r, 1000));
  const resumed = anonymous(resumeUrl);
  const again = anonymous(resumeUrl);
  return new Expect()
    .equal("wait workflow created and published with the SSO session", [api.owner, api.created, api.activated], [200, 200, 200])
    .ok("the resume URL is n8n's public waiting path on the n8n host", parsed.host === ctx.n8nHost && parsed.pathname.startsWith("/webhook-waiting/"), resumeUrl.replace(/([?&][^=]+=)[^&]+/g, "$1…"))
    .ok("it carries a token", params.length > 0, resumeUrl.replace(/([?&][^=]+=)[^&]+/g, "$1…"))
    .ok("without the token n8n refuses (and serves no editor content)", /^(401|403)$/.test(noToken.code) && !N8N_CONTENT.test(noToken.body), noToken.code)
    .ok("with a tampered token n8n refuses", /^(401|403)$/.test(badToken.code), badToken.code)
    .equal("the URL as handed out resumes the execution", resumed.code, "200")
    .ok("a resumed execution does not resume twice", again.code !== "200" || !/Workflow was started/i.test(again.body), `${again.code} ${again.body.slice(0, 80)}`)
    .done({ api, resumePath: parsed.pathname, tokenParams: params.map(([k]) => k), noToken: noToken.code, badToken: badToken.code, resumed: resumed.code, again: again.code });
}



/** One REST call as n8n's owner (logged in through an SSO-signed-in browser); its status and JSON. */
export async function asOwner(ctx: AttackContext, demoEmail: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const s = await ownerSession(ctx, demoEmail, `owner-call-${randomBytes(3).toString("hex")}`, false);
  try {
    if (s.owner.status !== 200) return { status: s.owner.status, json: { login: s.owner.text } };
    const r = await s.call(method, url, body);
    return { status: r.status, json: r.json };
  } finally {
    await s.close();
  }
}

/**
 * The cookies of a signed-in owner, for a load generator (the edge benchmark): oauth2-proxy's
 * session and n8n's auth cookie with the browser id it is bound to. Never written to the results.
 */
export async function ownerCookies(ctx: AttackContext, demoEmail: string): Promise<{ sso: string; n8nAuth: { cookie: string; browserId: string } }> {
  const s = await ownerSession(ctx, demoEmail, "owner-bench", false);
  try {
    if (s.owner.status !== 200) throw new CheckError(`n8n owner login answered ${s.owner.status}: ${s.owner.text}`);
    const jar = await s.cookies();
    const sso = jar.find((c) => c.name === SSO_COOKIE);
    const auth = jar.find((c) => c.name === "n8n-auth");
    if (!sso || !auth) throw new CheckError(`the signed-in browser holds ${jar.map((c) => c.name).join(", ") || "no cookie"}, not ${SSO_COOKIE} and n8n-auth`);
    return { sso: `${sso.name}=${sso.value}`, n8nAuth: { cookie: `${auth.name}=${auth.value}`, browserId: BROWSER_ID } };
  } finally {
    await s.close();
  }
}

/**
 * A session that outlives the refresh interval and the IdP's ID token (the suite deploys with
 * sso.cookieRefresh and Dex's ID-token lifetime at one minute): a browser signs in now, other cases
 * run meanwhile, and `finish` opens the editor again in the same browser. It must still be
 * signed in without going back to the IdP: oauth2-proxy refreshed the session with Dex.
 */
export async function startLongSession(ctx: AttackContext): Promise<{ finish: (waitAtLeastSeconds: number) => Promise<unknown> }> {
  const b = await openBrowser(ctx, "long-session");
  try {
    const page = await b.context.newPage();
    // Its own user: Dex would revoke the refresh token at the demo user's next sign-in.
    await signInAs(page, ctx, SECOND_USER.email, readFileSync(path.join(ctx.work, SECOND_USER.passwordFile), "utf8"));
    const cookieValue = async () => (await b.context.cookies(`https://${ctx.n8nHost}/`)).find((c) => c.name === SSO_COOKIE)?.value;
    const first = await cookieValue();
    if (!first) throw new CheckError("the sign-in set no session cookie");
    const started = Date.now();
    return {
      finish: async (waitAtLeastSeconds: number) => {
        try {
          const left = waitAtLeastSeconds * 1000 - (Date.now() - started);
          if (left > 0) await sleep(left);
          const idp: string[] = [];
          page.on("request", (r) => {
            if (new URL(r.url()).host === ctx.authHost) idp.push(new URL(r.url()).pathname);
          });
          await page.goto(`https://${ctx.n8nHost}/`, { waitUntil: "domcontentloaded" });
          await page.waitForLoadState("networkidle").catch(() => undefined);
          const title = await page.title();
          const landed = page.url();
          const after = await cookieValue();
          return new Expect()
            .ok(`${Math.round((Date.now() - started) / 1000)} s after sign-in (past the refresh interval and the ID token's lifetime) the editor still opens`, /n8n/i.test(title) && new URL(landed).host === ctx.n8nHost, `title "${title}" at ${landed}`)
            .equal("without the browser going back to the IdP", idp, [])
            .ok("oauth2-proxy refreshed the session with the IdP: the browser holds a new session cookie", !!after && after !== first, after ? "the same cookie" : "no cookie")
            .done({ secondsAfterSignIn: Math.round((Date.now() - started) / 1000), title, landed, idpRequests: idp, cookieRenewed: !!after && after !== first });
        } finally {
          await b.close();
        }
      },
    };
  } catch (e) {
    await b.close();
    throw e;
  }
}
