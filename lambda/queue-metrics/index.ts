import { connect } from "node:tls";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { encodeCommand, parseReply, RespReply } from "./resp";

/*
 * prod-ecs's queue-metrics function (every minute): reads how many executions wait in n8n's Bull
 * queue (`LLEN bull:jobs:wait`) as its read-only Valkey user, and publishes
 * it as `QueueWaiting`. The workers' target tracking divides it by their running task count
 * (metric math), so the policy tracks waiting executions per worker task.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const cw = require("@aws-sdk/client-cloudwatch");

const sm = new SecretsManagerClient({});
const metrics = new cw.CloudWatchClient({});

function commands(host: string, port: number, list: string[][]): Promise<RespReply[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: host, timeout: 5000 }, () => socket.write(list.map(encodeCommand).join("")));
    let buf = "";
    const replies: RespReply[] = [];
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      buf += d;
      for (let r = parseReply(buf); r; r = parseReply(buf)) {
        replies.push(r.reply);
        buf = r.rest;
      }
      if (replies.length === list.length) {
        socket.end();
        resolve(replies);
      }
    });
    socket.on("timeout", () => socket.destroy(new Error("valkey timed out")));
    socket.on("error", reject);
  });
}

export async function handler(): Promise<{ waiting: number }> {
  const host = process.env.VALKEY_HOST!;
  const port = Number(process.env.VALKEY_PORT ?? 6379);
  const secret = await sm.send(new GetSecretValueCommand({ SecretId: process.env.VALKEY_SECRET_ARN }));
  const password: string = JSON.parse(secret.SecretString ?? "{}").password;
  const [auth, wait] = await commands(host, port, [["AUTH", process.env.VALKEY_USER!, password], ["LLEN", "bull:jobs:wait"]]);
  if (auth.kind !== "ok") throw new Error("valkey refused the metrics user");
  if (wait.kind !== "integer") throw new Error("valkey answered LLEN with no count");
  const waiting = wait.value;
  await metrics.send(
    new cw.PutMetricDataCommand({ Namespace: process.env.METRIC_NAMESPACE, MetricData: [{ MetricName: "QueueWaiting", Dimensions: [{ Name: "Cluster", Value: process.env.CLUSTER }], Value: waiting, Unit: "Count" }] }),
  );
  console.log(JSON.stringify({ event: "queue_waiting", waiting }));
  return { waiting };
}
