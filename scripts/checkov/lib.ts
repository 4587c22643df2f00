/*
 * Shared by scripts/checkov/report.ts and test/integration/checkov.test.ts: the skip list, the
 * matching of Checkov failures to skips, and the agreement between our rules and Checkov.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { safeLoad(s: string): any } = require("js-yaml");

/** The scans scripts/checkov.sh runs (its raw/<name>.json files). */
export const SCANS = [
  { name: "prod-cloud-plan", target: "terraform show -json of the offline prod-cloud plan" },
  { name: "dev", target: "cdk.tf.json of dev, synthesized from main.ts; Docker only: Checkov has no kreuzwerker/docker checks" },
  { name: "prod-cloud", target: "cdk.tf.json of prod-cloud, synthesized from main.ts" },
  { name: "prod-runtime", target: "cdk.tf.json of prod-runtime, synthesized from main.ts; Docker only: Checkov has no kreuzwerker/docker checks" },
  { name: "prod-ecs-plan", target: "terraform show -json of the offline prod-ecs plan" },
  { name: "prod-ecs", target: "cdk.tf.json of prod-ecs, synthesized from main.ts" },
] as const;

export interface Skip {
  readonly check: string;
  readonly resources: readonly string[];
  readonly scans?: readonly string[];
  readonly reason: string;
}

export interface ScanFailure {
  readonly check: string;
  readonly name: string;
  readonly resource: string;
  readonly file: string;
  /** Index into the skip list, or -1. */
  readonly skipIndex: number;
}

export interface ScanResult {
  readonly name: string;
  readonly target: string;
  readonly passed: number;
  readonly parsingErrors: number;
  readonly resourceCount: number;
  readonly failures: ScanFailure[];
}

/** Collapses whitespace: YAML folds lines, Markdown tables do not. */
export const normalize = (s: string) => s.replace(/\s+/g, " ").trim();

export function loadSkips(text: string): Skip[] {
  const doc = yaml.safeLoad(text) ?? {};
  const list: any[] = doc.skips ?? [];
  return list.map((s) => ({
    check: String(s.check ?? ""),
    resources: Array.isArray(s.resources) ? s.resources.map(String) : s.resources ? [String(s.resources)] : ["*"],
    ...(s.scans ? { scans: (Array.isArray(s.scans) ? s.scans : [s.scans]).map(String) } : {}),
    reason: normalize(String(s.reason ?? "")),
  }));
}

/** `ruleId` → (`checkId` or `_` for the whole row) → explanation. */
export type Notes = Record<string, Record<string, string>>;

export function loadNotes(text: string): Notes {
  const doc = yaml.safeLoad(text) ?? {};
  const notes: Notes = {};
  for (const [rule, v] of Object.entries<any>(doc.notes ?? {})) {
    notes[rule] = {};
    for (const [k, s] of Object.entries<any>(v ?? {})) notes[rule][k] = normalize(String(s ?? ""));
  }
  return notes;
}

const globToRegExp = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

export function matchSkip(skips: readonly Skip[], scan: string, check: string, resource: string): number {
  return skips.findIndex((s) => s.check === check && (!s.scans || s.scans.includes(scan)) && s.resources.some((g) => globToRegExp(g).test(resource)));
}

// ---- checks with no rule of ours ---------------------------------------------------------------

/** A Checkov check that ran (passed or failed) on at least one resource of our stacks. */
export interface AppliedCheck {
  readonly check: string;
  readonly name: string;
  /** Resource types it ran on (`aws_vpc`...). */
  readonly resourceTypes: string[];
  readonly scans: string[];
}

/** A check that applies to our stacks and that no rule of ours maps, with why there is no rule. */
export interface UnmappedRow extends AppliedCheck {
  /** From config/checkov-unmapped.yaml; undefined when it is missing. */
  readonly why?: string;
}

/** `check` → why no rule of ours covers it (config/checkov-unmapped.yaml). */
export function loadUnmapped(text: string): Record<string, string> {
  const doc = yaml.safeLoad(text) ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<any>(doc.unmapped ?? {})) out[k] = normalize(String(v ?? ""));
  return out;
}

/** Every applied check, by id, merged over the scans (resource types and scans sorted). */
export function appliedChecks(perScan: readonly { scan: string; check: string; name: string; resource: string }[]): AppliedCheck[] {
  const byId = new Map<string, { name: string; types: Set<string>; scans: Set<string> }>();
  for (const r of perScan) {
    const e = byId.get(r.check) ?? { name: r.name, types: new Set<string>(), scans: new Set<string>() };
    // In cdk.tf.json Checkov names some resources `resource.<name>`; the plan scan gives their type.
    const type = r.resource.split(".")[0];
    if (type !== "resource") e.types.add(type === "provider" ? `provider ${r.resource.split(".")[1]}` : type);
    e.scans.add(r.scan);
    byId.set(r.check, e);
  }
  const order = (id: string) => id.replace(/\d+/g, (d) => d.padStart(4, "0"));
  return [...byId.entries()]
    .sort(([a], [b]) => order(a).localeCompare(order(b)))
    .map(([check, e]) => ({ check, name: e.name, resourceTypes: [...e.types].sort(), scans: [...e.scans].sort() }));
}

/** The applied checks no rule maps, each with its reason (or none). */
export function unmappedChecks(applied: readonly AppliedCheck[], rules: readonly { checkov?: readonly string[] }[], reasons: Record<string, string>): UnmappedRow[] {
  const mapped = new Set(rules.flatMap((r) => r.checkov ?? []));
  return applied.filter((a) => !mapped.has(a.check)).map((a) => ({ ...a, why: reasons[a.check] }));
}

/** What is wrong with the unmapped list: a check without a reason, a reason for a check that is mapped or no longer applies. */
export function unmappedProblems(applied: readonly AppliedCheck[], rules: readonly { id: string; checkov?: readonly string[] }[], reasons: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const row of unmappedChecks(applied, rules, reasons))
    if (!row.why || row.why.length < 20) problems.push(`${row.check} (${row.name}) runs on our ${row.resourceTypes.join(", ")}, no rule of ours maps it, and config/checkov-unmapped.yaml gives no reason: add the rule or say why not`);
  for (const check of Object.keys(reasons)) {
    const rule = rules.find((r) => (r.checkov ?? []).includes(check));
    if (rule) problems.push(`config/checkov-unmapped.yaml explains ${check}, but rule ${rule.id} maps it now: remove the entry`);
    else if (!applied.some((a) => a.check === check)) problems.push(`config/checkov-unmapped.yaml explains ${check}, which no longer runs on any of our stacks: remove the entry`);
  }
  return problems;
}

// ---- agreement -------------------------------------------------------------------------------

export interface FixtureRow {
  readonly name: string;
  readonly resource: string;
  /** Mapped checks that fail on this fixture and not (on the same resource) on the baseline. */
  readonly fired: string[];
}

export interface AgreementRow {
  readonly ruleId: string;
  readonly cause: string;
  readonly checkov: readonly string[];
  readonly fixtures: FixtureRow[];
  /** Mapped checks that already fail on the compliant baseline. */
  readonly failOnBaseline: string[];
  /** Mapped checks that fire on none of the rule's fixtures. */
  readonly neverFire: string[];
  readonly verdict: "agrees" | "partly" | "disagrees" | "no fixture";
  /** Explanations from config/checkov-agreement-notes.yaml. */
  readonly notes: Record<string, string>;
  /** Whether the row needs an explanation and has none. */
  readonly unexplained: boolean;
}

interface FixtureIndex {
  fixtures: { dir: string; ruleId: string; name: string; resource: string; checkov: string[] }[];
  mappedRulesWithoutFixture: string[];
}

export function evaluateAgreement(
  pack: readonly { id: string; cause: string; checkov?: readonly string[] }[],
  index: FixtureIndex,
  failures: readonly { dir: string; check: string; resource: string }[],
  notes: Notes,
): AgreementRow[] {
  const baseline = new Set(failures.filter((f) => f.dir === "000").map((f) => `${f.check} ${f.resource}`));
  return pack
    .filter((r) => (r.checkov ?? []).length > 0)
    .map((rule) => {
      const mapped = [...rule.checkov!];
      const fixtures = index.fixtures
        .filter((f) => f.ruleId === rule.id)
        .map((f) => {
          const fired = mapped.filter((c) => failures.some((x) => x.dir === f.dir && x.check === c && !baseline.has(`${x.check} ${x.resource}`)));
          return { name: f.name, resource: f.resource, fired };
        });
      const failOnBaseline = mapped.filter((c) => failures.some((x) => x.dir === "000" && x.check === c));
      const neverFire = mapped.filter((c) => !fixtures.some((f) => f.fired.includes(c)));
      const flagged = fixtures.filter((f) => f.fired.length > 0).length;
      const verdict: AgreementRow["verdict"] = fixtures.length === 0 ? "no fixture" : flagged === fixtures.length ? "agrees" : flagged > 0 ? "partly" : "disagrees";
      const n = notes[rule.id] ?? {};
      const needs = verdict !== "agrees" || neverFire.length > 0;
      const explained = !needs || !!n._ || (verdict === "agrees" && neverFire.every((c) => !!n[c]));
      return { ruleId: rule.id, cause: rule.cause, checkov: mapped, fixtures, failOnBaseline, neverFire, verdict, notes: n, unexplained: !explained };
    });
}

export function renderAgreement(rows: readonly AgreementRow[], version: string, unmapped: readonly UnmappedRow[] = [], appliedCount = 0): string {
  const agreeing = rows.filter((r) => r.verdict === "agrees").length;
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [
    "# Does Checkov agree with our policy pack?",
    "",
    "<!-- Generated by `npm run checkov` (scripts/checkov/report.ts); do not edit. Explanations live in",
    "     config/checkov-agreement-notes.yaml. -->",
    "",
    `Every rule of the AWS pack that names equivalent Checkov checks (\`checkov\` in its metadata; see`,
    "[policy.md](policy.md)) was run through Checkov " + version + " on the same non-compliant fixtures its rule test",
    "uses (`test/policy/aws-rules.test.ts`), each written as a `main.tf.json` and scanned with Checkov's",
    "`terraform_json` framework. A mapped check *fires* on a fixture when it fails there and does not already",
    "fail on the same resource in the compliant baseline (`awsBaseline()`).",
    "",
    `**${agreeing} of ${rows.length} mapped rules agree**: on every one of their non-compliant fixtures at least one mapped`,
    "Checkov check fires. Where a rule only partly agrees, or a mapped check never fires, the last column says",
    "whether the mapping or the fixture is wrong (or why neither is).",
    "",
    "| rule | Checkov | fixtures flagged | never fires | explanation |",
    "|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const flagged = r.fixtures.filter((f) => f.fired.length > 0).length;
    const fixtures = r.fixtures.map((f) => `${f.fired.length ? "✔" : "✘"} ${esc(f.name)}${f.fired.length ? ` (${f.fired.join(", ")})` : ""}`).join("<br>");
    const note = [r.notes._, ...r.neverFire.map((c) => (r.notes[c] ? `${c}: ${r.notes[c]}` : ""))].filter(Boolean).join(" ");
    const verdict = r.verdict === "agrees" ? "agrees" : `**${r.verdict}**`;
    lines.push(`| ${r.ruleId} | ${r.checkov.join(", ")} | ${verdict}, ${flagged}/${r.fixtures.length}:<br>${fixtures} | ${r.neverFire.join(", ") || "—"} | ${esc(note || (r.unexplained ? "UNEXPLAINED" : "—"))} |`);
  }
  lines.push(
    "",
    "## Checkov checks on our stacks that no rule of ours maps",
    "",
    `${appliedCount} Checkov checks ran (passed or failed) on the resources of our stacks (the prod-cloud plan and every`,
    `stack's \`cdk.tf.json\`); ${appliedCount - unmapped.length} of them are mapped by a rule of the policy pack (its \`checkov\` list). For each of`,
    `the other ${unmapped.length}, config/checkov-unmapped.yaml says why the pack has no rule for it; \`npm run checkov\` fails on a`,
    "check that applies and is in neither place.",
    "",
    "| check | what it checks | our resources | why no rule of ours |",
    "|---|---|---|---|",
    ...unmapped.map((u) => `| ${u.check} | ${esc(u.name)} | ${u.resourceTypes.join(", ")} | ${esc(u.why ?? "UNEXPLAINED")} |`),
    "",
  );
  return lines.join("\n");
}

/** Everything that makes the run fail, in words. */
export function explainProblems(scans: readonly ScanResult[], skips: readonly Skip[], hardeningDoc: string, agreement: readonly AgreementRow[]): string[] {
  const problems: string[] = [];
  const doc = normalize(hardeningDoc);
  for (const s of scans) {
    if (s.parsingErrors) problems.push(`${s.name}: Checkov could not parse ${s.parsingErrors} file(s)`);
    for (const f of s.failures.filter((x) => x.skipIndex < 0)) problems.push(`${s.name}: ${f.check} fails on ${f.resource} (${f.name}) and is neither fixed nor in config/checkov-skips.yaml`);
  }
  if (scans.find((s) => s.name === "prod-cloud-plan")!.passed === 0) problems.push("prod-cloud-plan: Checkov passed no check at all; did it read the plan?");
  if (scans.find((s) => s.name === "prod-cloud")!.passed === 0) problems.push("prod-cloud: Checkov passed no check at all; did it read cdk.tf.json?");
  skips.forEach((sk, i) => {
    const label = `skip #${i + 1} (${sk.check || "no check id"})`;
    if (!/^CKV2?_[A-Z]+_\d+$/.test(sk.check)) problems.push(`${label}: not a Checkov id`);
    if (sk.reason.length < 20) problems.push(`${label}: has no reason (or one too short to be one)`);
    else if (!doc.includes(normalize(sk.reason.replace(/\s+/g, " ")))) problems.push(`${label}: its reason is not in docs/aws-hardening.md ("Deliberately not satisfied"): "${sk.reason}"`);
    if (!scans.some((s) => s.failures.some((f) => f.skipIndex === i))) problems.push(`${label}: matches no Checkov failure any more; remove it (and its row in docs/aws-hardening.md)`);
  });
  for (const a of agreement) if (a.unexplained) problems.push(`agreement ${a.ruleId}: ${a.verdict}${a.neverFire.length ? `, never fires: ${a.neverFire.join(", ")}` : ""}, and config/checkov-agreement-notes.yaml does not explain it`);
  return problems;
}
