import { rotationAgreement, timeSpanMinutes } from "../../constructs/policy/report/rotation";
import { cloudStack, linked, runtimeStack } from "./report-fixtures";

describe("secret rotation across stacks", () => {
  test("systemd time spans", () => {
    expect([timeSpanMinutes("5min"), timeSpanMinutes("300s"), timeSpanMinutes("1h 30min"), timeSpanMinutes("2d"), timeSpanMinutes("soon")]).toEqual([5, 5, 90, 2880, undefined]);
  });

  test("disagreements: a restarted container the runtime does not run, a file no one writes, a file no one reads", () => {
    const [{ agent, runtimes, rows }] = rotationAgreement(linked({ cloud: cloudStack(), runtime: runtimeStack() }));
    expect([agent.intervalMinutes, agent.secretsDir, runtimes]).toEqual([10, "/run/s", ["runtime"]]);
    const db = rows.find((r) => r.secret === "app/db")!;
    expect(db).toMatchObject({ cloud: "every 30 days by rotator (cloud)", agrees: false, readers: "db, app" });
    expect(db.why).toContain("the agent restarts ghost, which runtime does not run");
    expect(rows.find((r) => r.secret === "(none)")).toMatchObject({ agrees: false, why: "app mounts /run/s/missing-file, which the agent never writes" });
    expect(rows.find((r) => r.secret === "app/token")).toMatchObject({ agrees: true, readers: "none", why: expect.stringContaining("no container mounts token") });
  });

  test("agreement: the agent fetches well inside the rotation and restarts the reader; a rotated secret the host never fetches disagrees", () => {
    const ok = rotationAgreement(linked({ cloud: cloudStack("app/db db-password=password app"), runtime: runtimeStack(["db-password"]) }))[0].rows;
    expect(ok.find((r) => r.secret === "app/db")).toMatchObject({ agrees: true, why: "a new version is on the host within 10 min and app restarts, far inside the 30-day rotation; not restarted on a new version: db (reads the file when it starts)" });
    const missing = rotationAgreement(linked({ cloud: cloudStack("app/token token -"), runtime: runtimeStack([]) }))[0].rows;
    expect(missing.find((r) => r.secret === "app/db")).toMatchObject({ agent: "not fetched", agrees: false });
  });
});
