import { Rule } from "../../rule";
import { mountSources, sharedAcrossTenants, sharedFindings } from "./roles";

export const TenantSharedSecret: Rule = {
  id: "ZT-TEN-003",
  level: "error",
  appliesTo: "docker_",
  cause: "Containers of two tenants mount the same host file or the same named volume (a secret, a certificate, n8n's data)",
  explanation:
    "Each tenant's secrets (oauth2-proxy's client and cookie secrets, n8n's encryption key, the database passwords, the runners' " +
    "token, its Postgres key) live in its own folder, and its state in its own volumes: a file or volume two tenants mount hands " +
    "one tenant's secret or data to the other, and rotating it for one rotates it for both. Generate each tenant's own files " +
    "(`npm run secrets:dev` writes <secretsDir>/tenants/<id>/) and name volumes after the tenant's prefix.",
  evaluate: (_stack, ctx) => sharedFindings(sharedAcrossTenants(ctx.docker, (c) => mountSources(c)), "the host"),
};
