import { Rule } from "../../rule";
import { secretLeakProblem } from "../../../common/secret-patterns";
import { containerFinding } from "./roles";

export const SecretValues: Rule = {
  id: "ZT-SEC-001",
  level: "error",
  appliesTo: "docker_",
  cause: "A secret-looking value is set in a container's environment or labels",
  explanation:
    "Environment variables and labels are visible to anyone who can inspect the container (and to the socket proxy's readers), " +
    "and they sit in the plan and the state. Pass secrets as read-only files (`*_FILE`, `--*-file`). Flagged: secret names " +
    "(PASSWORD, SECRET, TOKEN, ..._KEY) with a value, and values that look like key material, URLs with passwords, tokens or password hashes.",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const hits = [
        ...Object.entries(c.env).map(([k, v]) => (secretLeakProblem(k, v) ? `env ${k}` : undefined)),
        ...Object.entries(c.labels).map(([k, v]) => (secretLeakProblem(k, v) ? `label ${k}` : undefined)),
      ].filter((x): x is string => !!x);
      return hits.length > 0 ? [containerFinding(c, `${c.name} sets ${hits.join(", ")}`)] : [];
    }),
};
