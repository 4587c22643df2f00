import { componentOf } from "../../component-config";
import { Rule, RuleFinding } from "../../rule";
import { containerFinding, sharedAcrossTenants, sharedFindings, tenantOf } from "./roles";

export const TenantSharedDatabase: Rule = {
  id: "ZT-TEN-002",
  level: "error",
  appliesTo: "docker_",
  cause: "Two tenants' n8n use the same database role, database or server, or a tenant's n8n connects to another tenant's Postgres",
  explanation:
    "A tenant's database role can read everything its n8n stores: workflows, execution data and the encrypted credentials. " +
    "A role, database or Postgres server two tenants share is a path from one tenant's data to the other's, and a password " +
    "rotated for one is rotated for both. Give each tenant its own Postgres container with its own roles and database (the " +
    "constructs append _<tenant> to every name) and point each n8n only at its own tenant's server.",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    const n8ns = model.containers.filter((c) => componentOf(c) === "n8n" && tenantOf(c) && c.env.DB_POSTGRESDB_HOST);
    const out: RuleFinding[] = [];
    for (const c of n8ns) {
      const server = model.containers.find((o) => o.name === c.env.DB_POSTGRESDB_HOST);
      if (server && tenantOf(server) !== tenantOf(c)) out.push(containerFinding(c, `${c.name} (tenant ${tenantOf(c)}) connects to ${server.name}, the Postgres of ${tenantOf(server) ? `tenant ${tenantOf(server)}` : "no tenant (a shared server)"}`));
    }
    const values = (c: { env: Record<string, string> }) => {
      const e = c.env;
      if (!e.DB_POSTGRESDB_HOST) return [];
      return [`server ${e.DB_POSTGRESDB_HOST}`, ...(e.DB_POSTGRESDB_USER ? [`role ${e.DB_POSTGRESDB_USER}`] : []), ...(e.DB_POSTGRESDB_DATABASE ? [`database ${e.DB_POSTGRESDB_DATABASE}`] : [])];
    };
    const shared = sharedAcrossTenants(model, (c) => (componentOf(c) === "n8n" ? values(c) : []));
    return [...out, ...sharedFindings(shared, "the Postgres")];
  },
};
