import { componentOf } from "../../component-config";
import { Rule } from "../../rule";
import { containerFinding, isDatabase, networkRole } from "./roles";

export const QueueStoreReachable: Rule = {
  id: "ZT-NET-006",
  level: "error",
  appliesTo: "docker_",
  cause: "Valkey/Redis (n8n's queue) is reachable from a container that is not an n8n process (or a database beside it on a data network), or sits on a network with a way out",
  explanation:
    "Whoever reaches the queue store can try its users' passwords, and with one read execution data and enqueue jobs that " +
    "workers run with n8n's credentials. Keep Valkey alone with n8n's processes (main, workers, webhook processors) on an " +
    "internal queue network (on an internal data network at least next to nothing but them and databases), never on the app, " +
    "edge or egress network.",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    return model.containers
      .filter((c) => componentOf(c) === "valkey")
      .flatMap((store) => {
        const problems: string[] = [];
        for (const n of store.networks) {
          const role = networkRole(n, model);
          if (role !== "queue" && role !== "data") problems.push(`on ${n.name} (${role ?? "unknown role"}), not only the queue (or data) network`);
          if (!n.internal) problems.push(`on ${n.name}, which is not internal`);
          const others = model.containers.filter((o) => o !== store && o.networks.some((x) => x.name === n.name));
          // On the queue network n8n's processes only; on a data network databases too.
          const strangers = others.filter((o) => componentOf(o) !== "n8n" && (role === "queue" || !isDatabase(o))).map((o) => o.name);
          if (strangers.length > 0) problems.push(`reachable on ${n.name} from ${strangers.join(", ")}`);
        }
        if (store.ports.length > 0) problems.push(`publishes ${store.ports.map((p) => p.external ?? p.internal).join(", ")} on the host`);
        return problems.length > 0 ? [containerFinding(store, `${store.name}: ${problems.join("; ")}`)] : [];
      });
  },
};
