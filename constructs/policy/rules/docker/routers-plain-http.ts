import { Rule } from "../../rule";

export const RoutersWithoutTls: Rule = {
  id: "ZT-EDGE-003",
  level: "error",
  cause: "A router serves plain HTTP",
  explanation: "Every router must terminate TLS; port 80 exists only to redirect to HTTPS. A router without `tls` sends cookies and credentials in clear text.",
  evaluate: (ctx) =>
    ctx.docker.routers
      .filter((r) => !r.tls)
      .map((r) => {
        const c = ctx.docker.containers.find((x) => x.name === r.container);
        return { resource: c?.address ?? r.name, path: c?.path, detail: `router ${r.name} has no TLS` };
      }),
};
