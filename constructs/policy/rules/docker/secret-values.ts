import { secretLeakProblem } from "../../../common/hardened-container";
import { Rule } from "../../rule";

export const SecretValues: Rule = {
  id: "ZT-SEC-001",
  level: "error",
  cause: "A secret-looking value is set in a container's environment or labels",
  explanation: "Environment variables and labels are visible to anyone who can inspect the container and end up in the Terraform plan and state. Pass secrets as files (`*_FILE`, `--*-file`).",
  evaluate: (ctx) =>
    ctx.docker.containers.flatMap((c) =>
      [...Object.entries(c.env).map(([k, v]) => ["env", k, v]), ...Object.entries(c.labels).map(([k, v]) => ["label", k, v])]
        .map(([kind, k, v]) => [kind, k, secretLeakProblem(k, v)])
        .filter(([, , p]) => p)
        .map(([kind, k]) => ({ resource: c.address, path: c.path, detail: `${c.name} ${kind} ${k} looks like a secret value` })),
    ),
};
