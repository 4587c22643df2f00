/*
 * The twin of each deploy-suite case (issue 19): the policy rules that would have refused, at synth,
 * the configuration that lets the case's attack through — or, for a case with nothing to refuse, why
 * no static rule applies. The suite refuses to run a case without an entry here
 * (test/e2e/harness.ts), and test/e2e/twins.test.ts checks that every named rule exists and that
 * every attack and edge case names at least one. docs/policy.md lists the pairs (generated).
 */

export interface Twin {
  /** Rule ids whose non-compliant fixtures are the weakenings that let this attack through. */
  readonly rules?: readonly string[];
  /** Why no static rule can see what the case checks (functional checks, the harness's own setup). */
  readonly reason?: string;
}

const FUNCTIONAL = "a functional check (the stack deploys, starts and works); it refuses nothing, so there is no configuration to forbid";

/** Keyed by case id; a key ending in `.*` covers every case with that prefix. */
export const TWINS: Record<string, Twin> = {
  "isolation.no-route-out": { reason: "checks the test harness's own firewall and daemon settings (no route off the machine), which are not in any stack's plan" },
  "secrets.generate": { reason: "checks the files npm run secrets:dev writes on disk (owner, mode), outside the plan; their values never enter it (ZT-SEC-001/002 check that side)" },
  "idp.test-accounts": { reason: "test setup: adds an IdP account outside the allow-list and a second allowed user to the test's own dev Dex config, for sso.refused-user and sso.session-refresh" },
  synth: { reason: FUNCTIONAL },
  "validate.*": { reason: FUNCTIONAL },
  deploy: { reason: FUNCTIONAL },
  healthy: { rules: ["ZT-CTR-007"] },
  "container.*": { rules: ["ZT-CTR-002", "ZT-CTR-003", "ZT-CTR-004", "ZT-CTR-006", "ZT-CTR-008", "ZT-NET-003"] },
  networks: { rules: ["ZT-NET-003", "ZT-NET-004", "ZT-NET-005", "ZT-SOCK-004"] },
  ports: { rules: ["ZT-NET-001", "ZT-NET-002"] },
  "n8n.ready": { reason: FUNCTIONAL },
  "bench.edge": { reason: "a benchmark (npm run bench:edge): it measures the edge's cost and attacks nothing, so there is no configuration to forbid" },
  "bench.queue": { reason: "a benchmark (npm run bench:queue): it measures queue mode's throughput with 1 and 2 workers and attacks nothing, so there is no configuration to forbid" },
  "postgres.least-privilege-tls": { rules: ["ZT-N8N-008", "ZT-PG-002", "ZT-PG-003"] },
  "runners.registered": { rules: ["ZT-N8N-005"] },
  "egress.stand-in": { rules: ["ZT-NET-004"] },
  "edge.redirect": { rules: ["ZT-TRF-002", "ZT-EDGE-003"] },
  "edge.sso": { rules: ["ZT-EDGE-001", "ZT-SSO-004"] },
  "sso.sign-in": { rules: ["ZT-SSO-001", "ZT-SSO-002", "ZT-SSO-006"] },
  "sso.refused-user": { rules: ["ZT-SSO-003"] },
  "sso.session-lifetime": { rules: ["ZT-SSO-002", "ZT-SEC-002"] },
  "sso.session-refresh": { rules: ["ZT-SSO-002"] },
  "edge.public-webhook": { rules: ["ZT-EDGE-001", "ZT-EDGE-005"] },
  "edge.public-form": { rules: ["ZT-N8N-006", "ZT-EDGE-001"] },
  "edge.waiting-webhook": { rules: ["ZT-EDGE-001", "ZT-TRF-004"] },
  "sso.sign-out": { reason: "checks that oauth2-proxy's sign-out clears the session; no setting turns sign-out off, so there is no configuration to forbid" },
  "attack.anonymous": { rules: ["ZT-EDGE-001", "ZT-SSO-004", "ZT-SSO-003"] },
  "attack.forged-identity": { rules: ["ZT-TRF-001", "ZT-SSO-007", "ZT-SSO-004"] },
  "attack.tampered-cookie": { rules: ["ZT-SSO-001", "ZT-SSO-002", "ZT-SEC-002"] },
  "attack.nothing-else-answers": { rules: ["ZT-EDGE-002", "ZT-EDGE-004", "ZT-TRF-008", "ZT-TLS-002", "ZT-NET-002"] },
  "attack.tls": { rules: ["ZT-TLS-001"] },
  "attack.testssl": { rules: ["ZT-TLS-001", "ZT-TLS-002", "ZT-HDR-001"] },
  "attack.headers": { rules: ["ZT-HDR-001"] },
  "attack.segmentation": { rules: ["ZT-NET-003", "ZT-NET-004", "ZT-SOCK-004"] },
  "attack.socket-proxy": { rules: ["ZT-SOCK-001", "ZT-SOCK-002", "ZT-SOCK-003", "ZT-SOCK-005", "ZT-CTR-001"] },
  "attack.postgres": { rules: ["ZT-PG-001", "ZT-PG-002", "ZT-PG-003", "ZT-NET-001"] },
  "attack.no-secret-values": { rules: ["ZT-SEC-001", "ZT-SEC-002", "ZT-TRF-003", "ZT-PG-005"] },
  "attack.public-limits": { rules: ["ZT-EDGE-005"] },
  "drill.sso-crash": { rules: ["ZT-EDGE-001"] },
  "drill.n8n-crash": { reason: "a recovery drill: the restart policy and n8n's persisted activations bring it back; the fail-closed part is ZT-EDGE-001's (no router without SSO), covered by drill.sso-crash" },
  "drill.postgres-restart": { rules: ["ZT-N8N-008", "ZT-PG-002"] },
  "drill.backup-restore": { rules: ["ZT-AWS-S3-001", "ZT-AWS-S3-002"] },
  "drill.rebuild-restore": { reason: "a recovery drill: what brings the data back is the backup and the kept encryption key (ZT-AWS-SM-002 keeps its value out of Terraform; neverRotate keeps it stable), not a setting a rule could forbid" },
  "plan.idempotent": { reason: FUNCTIONAL },
  "queue.deploy": { reason: FUNCTIONAL },
  "queue.healthy": { rules: ["ZT-CTR-007", "ZT-CTR-002", "ZT-CTR-003", "ZT-CTR-004", "ZT-NET-003", "ZT-NET-006"] },
  "queue.executed-by-workers": { reason: "a functional check of n8n's scheduling (which process runs an execution, read from n8n's own log lines); the settings that decide it (EXECUTIONS_MODE=queue, N8N_DISABLE_PRODUCTION_MAIN_PROCESS, the public router on the webhook processors) are pinned by the queue-mode JSON tests" },
  "queue.workers-stopped": { reason: "the negative control of queue.executed-by-workers: n8n's scheduling on the live stack (with the workers stopped nothing runs the queued executions); the settings that make it so are pinned by the queue-mode JSON tests" },
  "attack.queue-segmentation": { rules: ["ZT-NET-006", "ZT-VK-001", "ZT-VK-002", "ZT-VK-005", "ZT-N8N-016"] },
  "drill.worker-kill": { reason: "a recovery drill under load: n8n fails the executions of a dead worker as stalled (maxStalledCount 0, hard-coded in n8n 2.x) and the recovery agent re-runs them, counted on the live stack; the agent's presence, networks, mounts and SQL are pinned by the queue-mode JSON tests and its SQL runs on a real Postgres in test/integration/execution-recovery.test.ts" },
  "queue.recovery-key": { reason: "n8n mints the API key and enforces its scopes at run time; no setting in the plan decides what the key may do (the agent's mounts and networks are pinned by the queue-mode JSON tests)" },
  "drill.valkey-restart": { rules: ["ZT-VK-003", "ZT-VK-004"] },
  "queue.plan-idempotent": { reason: FUNCTIONAL },
  destroy: { reason: FUNCTIONAL },
  // The tenant suite (bash test/e2e/run.sh --tenants; test/e2e/tenants.ts).
  "tenants.secrets": { rules: ["ZT-TEN-003", "ZT-TEN-004", "ZT-TEN-005"] },
  "tenants.deploy": { reason: FUNCTIONAL },
  "tenants.healthy": { rules: ["ZT-CTR-007"] },
  "tenants.networks": { rules: ["ZT-TEN-001"] },
  "tenants.session-isolation": { rules: ["ZT-TEN-005", "ZT-TEN-006"] },
  "tenants.refused-by-allow-list": { rules: ["ZT-TEN-006", "ZT-SSO-003"] },
  "tenants.segmentation": { rules: ["ZT-TEN-001"] },
  "tenants.database-roles": { rules: ["ZT-TEN-002", "ZT-TEN-003"] },
  "tenants.rate-limits": { rules: ["ZT-TEN-006", "ZT-EDGE-005"] },
  "tenants.plan-idempotent": { reason: FUNCTIONAL },
  "tenants.destroy": { reason: FUNCTIONAL },
};

/** The twin entry for a case id (exact key first, then the longest matching `prefix.*`). */
export function twinOf(caseId: string): Twin | undefined {
  if (TWINS[caseId]) return TWINS[caseId];
  const prefixes = Object.keys(TWINS).filter((k) => k.endsWith(".*") && caseId.startsWith(k.slice(0, -1)));
  return prefixes.sort((a, b) => b.length - a.length).map((k) => TWINS[k])[0];
}

/**
 * The case ids test/e2e/suite.ts registers, read from its source (the suite itself cannot be
 * imported: it runs on load); a templated part (`validate.${stack}`) becomes `placeholder`.
 */
export function suiteCaseIds(suiteSource: string, placeholder: string): string[] {
  return [...suiteSource.matchAll(/suite\.case\(\s*[`"]([^`"]+)[`"]/g)].map((m) => m[1].replace(/\$\{[^}]+\}/g, placeholder));
}

