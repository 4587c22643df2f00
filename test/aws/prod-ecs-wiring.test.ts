import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { synthProdEcsFromExampleConfigToDir } from "../helpers/prod-cloud";

/*
 * prod-ecs's Lambdas as the stack wires them (config/prod-ecs.example.json): secret-sync redeploys
 * exactly the stack's ECS services, queue-metrics publishes the metric the worker scaling reads,
 * and the backlog per task does not divide by zero running tasks.
 */

let r: Record<string, Record<string, any>>;
beforeAll(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecs-wiring-"));
  try {
    r = JSON.parse(readFileSync(path.join(synthProdEcsFromExampleConfigToDir(dir), "cdk.tf.json"), "utf8")).resource;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const fn = (pattern: RegExp) => {
  const found = Object.values(r.aws_lambda_function).filter((f) => pattern.test(f.function_name));
  expect(found).toHaveLength(1);
  return found[0];
};

describe("prod-ecs Lambda wiring", () => {
  test("secret-sync's config names the stack's cluster and exactly its three ECS services", () => {
    const sync = JSON.parse(fn(/secret-sync/).environment.variables.SYNC_CONFIG);
    const services = Object.values(r.aws_ecs_service).map((s) => s.name).sort();
    expect([...sync.services].sort()).toEqual(services);
    expect(services).toHaveLength(3);
    const clusters = Object.values(r.aws_ecs_cluster).map((c) => c.name);
    expect(clusters).toEqual([sync.cluster]);
  });

  test("the worker scaling reads the metric queue-metrics publishes, per running task, never dividing by zero", () => {
    const env = fn(/queue-metrics/).environment.variables;
    const worker = Object.values(r.aws_appautoscaling_policy).find((p) => /worker/.test(p.name))!;
    const spec = worker.target_tracking_scaling_policy_configuration.customized_metric_specification;
    const metrics = spec.metrics as any[];
    const waiting = metrics.find((m) => m.id === "waiting").metric_stat.metric;
    expect(waiting).toMatchObject({ namespace: env.METRIC_NAMESPACE, metric_name: "QueueWaiting", dimensions: [{ name: "Cluster", value: env.CLUSTER }] });
    expect(metrics.find((m) => m.return_data === true).expression).toBe("waiting / MAX([tasks, 1])");
    expect(worker.target_tracking_scaling_policy_configuration.target_value).toBe(20);
  });
});
