import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { TerraformStack } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { explainUserErrors, runApp } from "../../constructs/common/run-app";
import { Validator } from "../../constructs/common/validation";
import { applyZeroTrustPolicy } from "../../constructs/policy/aspect";

/*
 * A consumer's entry point (runApp) reports what the consumer must fix (invalid props, zero-trust
 * findings) as the message alone, exit code 1; a bug keeps its stack trace.
 */
describe("runApp and explainUserErrors", () => {
  let outdir: string;
  let exit: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  let warn: jest.SpyInstance;
  beforeEach(() => {
    outdir = mkdtempSync(path.join(os.tmpdir(), "run-app-"));
    exit = jest.spyOn(process, "exit").mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    stderr = jest.spyOn(console, "error").mockImplementation(() => undefined);
    warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => {
    exit.mockRestore();
    stderr.mockRestore();
    warn.mockRestore();
    rmSync(outdir, { recursive: true, force: true });
  });

  test("a valid app is synthesized into the outdir", () => {
    runApp((app) => void new TerraformStack(app, "ok"), { outdir });
    expect(readdirSync(path.join(outdir, "stacks"))).toEqual(["ok"]);
    expect(exit).not.toHaveBeenCalled();
  });

  test("an invalid prop is printed as the message naming the field, and the process exits 1", () => {
    expect(() =>
      runApp(() => {
        const v = new Validator("Invalid props for team/Backups");
        v.add("bucketName", "must be a valid S3 bucket name");
        v.throwIfAny();
      }, { outdir }),
    ).toThrow("exit 1");
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(stderr.mock.calls[0][0]).toBe("Invalid props for team/Backups:\n  - bucketName: must be a valid S3 bucket name");
  });

  test("a zero-trust finding at synth is printed as the policy's message, and nothing is written", () => {
    expect(() =>
      runApp((app) => {
        const stack = new TerraformStack(app, "bad");
        new DockerProvider(stack, "docker");
        new Container(stack, "Raw", { name: "raw", image: "nginx:1.27.5", privileged: true });
        applyZeroTrustPolicy(stack);
      }, { outdir }),
    ).toThrow("exit 1");
    const message = String(stderr.mock.calls.at(-1)?.[0]);
    expect(message).toMatch(/^Zero-trust policy: \d+ error finding\(s\) in stack bad; nothing was written for it\.\n {2}- ERROR ZT-CTR-002 bad\/Raw: .*privileged/);
    expect(message).not.toMatch(/^\s+at /m);
    expect(existsSync(path.join(outdir, "stacks", "bad", "cdk.tf.json"))).toBe(false);
  });

  test("any other error is rethrown with its stack: a bug, not the user's to fix", () => {
    const bug = new TypeError("undefined is not a function");
    expect(() =>
      explainUserErrors(() => {
        throw bug;
      }),
    ).toThrow(bug);
    expect(exit).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
  });
});
