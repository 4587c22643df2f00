import { Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

/** Environment names whose literal value would be a secret in the task definition (and the state). */
const SECRET_NAMES = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|ENCRYPTION_KEY|API_KEY|PRIVATE_KEY)$/;

function containersOf(defs: unknown): any[] | undefined {
  if (typeof defs !== "string" || defs.includes("${jsonencode")) return undefined;
  try {
    const parsed = JSON.parse(defs);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export const EcsTaskHardening: Rule = {
  id: "ZT-AWS-ECS-001",
  level: "error",
  appliesTo: "aws_",
  cause: "An ECS container is privileged, writes its root filesystem, runs an essential process as root, or carries a secret in its environment",
  checkov: ["CKV_AWS_336", "CKV_AWS_334"],
  explanation:
    "Each container of an aws_ecs_task_definition must set readonlyRootFilesystem = true and never privileged; every " +
    "essential container must run as a non-root user (user set, not 0 or root): a short-lived, non-essential init " +
    "container may run as root to hand files to that user. Secrets belong in `secrets` (valueFrom a Secrets Manager " +
    "ARN), never in `environment`: a literal value there is in the task definition, the console and the state. " +
    "Task definitions whose container_definitions are not literal JSON cannot be read and are reported.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_ecs_task_definition", (t, key) => {
      const name = displayName({ name: t.family }, key);
      const containers = containersOf(t.container_definitions);
      if (!containers) return `task definition ${name}'s container_definitions are not literal JSON; they cannot be checked`;
      const problems: string[] = [];
      for (const c of containers) {
        const who = c.name ?? "(unnamed)";
        if (c.privileged === true) problems.push(`${who} is privileged`);
        if (c.readonlyRootFilesystem !== true) problems.push(`${who} has a writable root filesystem`);
        const user = String(c.user ?? "").split(":")[0];
        if (c.essential !== false && (user === "" || user === "0" || user === "root")) problems.push(`${who} runs as ${user || "the image's user (unset)"}`);
        for (const e of c.environment ?? []) if (SECRET_NAMES.test(String(e.name)) && typeof e.value === "string" && e.value.length > 0) problems.push(`${who} has ${e.name} in its environment`);
      }
      return problems.length > 0 ? `task definition ${name}: ${problems.join("; ")}` : undefined;
    }),
};
