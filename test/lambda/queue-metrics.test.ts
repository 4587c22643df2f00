import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { encodeCommand, parseReply } from "../../lambda/queue-metrics/resp";

/*
 * prod-ecs's queue-metrics function against a fake Valkey over real TLS (a throwaway CA); Secrets
 * Manager and CloudWatch are faked at the SDK boundary. The only other shim: the test CA is added
 * to tls.connect's trust (the function trusts the system store, as ElastiCache's certificates are public).
 */

const mockSent: { client: string; input: any }[] = [];
const mockSecrets: Record<string, string> = {};
const mockTls: { ca?: string } = {};

jest.mock("@aws-sdk/client-secrets-manager", () => ({
  SecretsManagerClient: class {
    async send(cmd: { input: { SecretId: string } }) {
      mockSent.push({ client: "secretsmanager", input: cmd.input });
      const v = mockSecrets[cmd.input.SecretId];
      if (v === undefined) throw new Error("ResourceNotFoundException");
      return { SecretString: v };
    }
  },
  GetSecretValueCommand: class {
    constructor(public input: unknown) {}
  },
}));
jest.mock(
  "@aws-sdk/client-cloudwatch",
  () => ({
    CloudWatchClient: class {
      async send(cmd: { input: unknown }) {
        mockSent.push({ client: "cloudwatch", input: cmd.input });
        return {};
      }
    },
    PutMetricDataCommand: class {
      constructor(public input: unknown) {}
    },
  }),
  { virtual: true },
);
jest.mock("node:tls", () => {
  const real = jest.requireActual("node:tls");
  return { ...real, connect: (opts: object, cb: () => void) => real.connect({ ...opts, ca: mockTls.ca }, cb) };
});

const SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-ecs/valkey-metrics-AbCdEf";
const PASSWORD = "metricsPassword-0123456789";
let dir: string;
let server: tls.Server;
let waiting = 0;
let chunked = false;
const received: string[][] = [];

/** A fake Valkey: AUTH user password, LLEN key; replies split into single bytes when `chunked`. */
function startValkey(key: string, cert: string): Promise<number> {
  server = tls.createServer({ key, cert }, (socket) => {
    let buf = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      buf += d;
      // Parse complete RESP arrays of bulk strings.
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(buf);
        if (!m) return;
        let at = m[0].length;
        const args: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const l = /^\$(\d+)\r\n/.exec(buf.slice(at));
          if (!l || buf.length < at + l[0].length + Number(l[1]) + 2) return;
          args.push(buf.slice(at + l[0].length, at + l[0].length + Number(l[1])));
          at += l[0].length + Number(l[1]) + 2;
        }
        buf = buf.slice(at);
        received.push(args);
        const reply = args[0] === "AUTH" ? (args[1] === "metrics" && args[2] === PASSWORD ? "+OK\r\n" : "-WRONGPASS invalid username-password pair\r\n") : args[0] === "LLEN" ? `:${args[1] === "bull:jobs:wait" ? waiting : 0}\r\n` : "-ERR unknown\r\n";
        if (chunked) for (const ch of reply) socket.write(ch);
        else socket.write(reply);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "qm-"));
  const ossl = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe", cwd: dir });
  ossl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.crt"]);
  ossl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]);
  writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=DNS:localhost\n");
  ossl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "ext.cnf", "-out", "server.crt"]);
  mockTls.ca = readFileSync(path.join(dir, "ca.crt"), "utf8");
  const port = await startValkey(readFileSync(path.join(dir, "server.key"), "utf8"), readFileSync(path.join(dir, "server.crt"), "utf8"));
  Object.assign(process.env, { VALKEY_HOST: "localhost", VALKEY_PORT: String(port), VALKEY_SECRET_ARN: SECRET_ARN, VALKEY_USER: "metrics", METRIC_NAMESPACE: "n8n-ecs/Queue", CLUSTER: "n8n-ecs" });
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  mockSent.length = 0;
  received.length = 0;
  mockSecrets[SECRET_ARN] = JSON.stringify({ username: "metrics", password: PASSWORD });
  chunked = false;
});

async function run() {
  const { handler } = await import("../../lambda/queue-metrics/index");
  const logs: string[] = [];
  const spy = jest.spyOn(console, "log").mockImplementation((l: string) => void logs.push(l));
  try {
    return { result: await handler(), logs };
  } finally {
    spy.mockRestore();
  }
}

describe("queue-metrics handler", () => {
  test.each([0, 1, 57, 100000])("publishes the waiting-execution count (%i) as QueueWaiting for the cluster, as the metrics user", async (n) => {
    waiting = n;
    const { result, logs } = await run();
    expect(result).toEqual({ waiting: n });
    expect(received).toEqual([
      ["AUTH", "metrics", PASSWORD],
      ["LLEN", "bull:jobs:wait"],
    ]);
    expect(mockSent).toEqual([
      { client: "secretsmanager", input: { SecretId: SECRET_ARN } },
      { client: "cloudwatch", input: { Namespace: "n8n-ecs/Queue", MetricData: [{ MetricName: "QueueWaiting", Dimensions: [{ Name: "Cluster", Value: "n8n-ecs" }], Value: n, Unit: "Count" }] } },
    ]);
    expect(logs.join("\n")).not.toContain(PASSWORD);
  });

  test("replies that arrive a byte at a time are reassembled", async () => {
    waiting = 42;
    chunked = true;
    await expect(run()).resolves.toMatchObject({ result: { waiting: 42 } });
  });

  test("a refused AUTH publishes nothing, and the error does not carry the password", async () => {
    mockSecrets[SECRET_ARN] = JSON.stringify({ password: "wrongPassword-0123456789" });
    const err = await run().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe("valkey refused the metrics user");
    expect(mockSent.filter((s) => s.client === "cloudwatch")).toEqual([]);
  });
});

describe("RESP codec", () => {
  test("encodes commands as arrays of bulk strings, lengths in bytes", () => {
    expect(encodeCommand(["LLEN", "bull:jobs:wait"])).toBe("*2\r\n$4\r\nLLEN\r\n$14\r\nbull:jobs:wait\r\n");
    expect(encodeCommand(["AUTH", "u", "pä"])).toBe("*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$3\r\npä\r\n");
  });
  test("parses simple, error and integer replies, and waits for a complete line", () => {
    expect(parseReply("+OK\r\n:5\r\n")).toEqual({ reply: { kind: "ok", text: "OK" }, rest: ":5\r\n" });
    expect(parseReply("-WRONGPASS x\r\n")).toEqual({ reply: { kind: "error", text: "WRONGPASS x" }, rest: "" });
    expect(parseReply(":0\r\n")).toEqual({ reply: { kind: "integer", value: 0 }, rest: "" });
    expect(parseReply(":12")).toBeUndefined();
    expect(() => parseReply("$3\r\nabc\r\n")).toThrow('unexpected reply type "$"');
  });
});
