import { spawnSync } from "node:child_process";
import path from "node:path";

/*
 * The deploy suite's entry point refuses bad arguments before it touches anything (no daemon,
 * no build): a usage line and exit 2, like every other script of the project.
 */
const RUN = path.join(__dirname, "run.sh");
const runWith = (...args: string[]) => spawnSync("bash", [RUN, ...args], { encoding: "utf8", env: { ...process.env, E2E_WORK: "/nonexistent/should-not-be-created" } });

describe("npm run test:e2e arguments", () => {
  test.each([[["--bogus"], /unknown argument: --bogus/], [["--images"], /usage: npm run test:e2e/], [["--images", "registry"], /--images must be local or upstream, got: registry/], [["--work"], /usage: npm run test:e2e/], [["--bench", "--bench-queue"], /usage: npm run test:e2e.*--bench-queue/], [["--tenants", "--bench"], /usage: npm run test:e2e.*--tenants/]])(
    "%j is refused with exit 2 and a message",
    (args, message) => {
      const r = runWith(...(args as string[]));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message as RegExp);
      expect(r.stdout).not.toMatch(/phase|dockerd/);
    },
  );
});
