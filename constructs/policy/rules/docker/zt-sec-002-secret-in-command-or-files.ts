import { Rule } from "../../rule";
import { secretLeakProblem, secretValueProblem } from "../../../common/secret-patterns";
import { containerFinding } from "./roles";

export const SecretInCommandOrFiles: Rule = {
  id: "ZT-SEC-002",
  level: "error",
  appliesTo: "docker_",
  cause: "A secret-looking value is in a container's command line or in a file uploaded by Terraform",
  explanation:
    "Command-line arguments show in `docker inspect` and `ps`; files written with the docker provider's `upload` block sit in " +
    "the plan and the state. Point the program at a secret file instead (`--client-secret-file`, `-v password_file=...`).",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const hits: string[] = [];
      const args = [...c.command, ...(Array.isArray(c.raw.entrypoint) ? (c.raw.entrypoint as string[]) : [])];
      args.forEach((a, i) => {
        const m = /^-{1,2}([A-Za-z0-9._-]+)=(.*)$/.exec(a) ?? /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/.exec(a);
        const next = args[i + 1];
        const flagWithValue = !m && /^--[A-Za-z0-9-]+$/.test(a) && next !== undefined && !next.startsWith("-") ? [a, a.slice(2), next] : undefined;
        const [, name, value] = m ?? flagWithValue ?? [a, "argument", a];
        if (/(^|[-_.])file$/i.test(name)) return;
        if (m || flagWithValue ? secretLeakProblem(name, value) : secretValueProblem(value)) hits.push(`command argument ${name}`);
      });
      for (const u of c.uploads) if (u.content && secretValueProblem(u.content)) hits.push(`uploaded file ${u.file}`);
      return hits.length > 0 ? [containerFinding(c, `${c.name}: ${[...new Set(hits)].join(", ")}`)] : [];
    }),
};
