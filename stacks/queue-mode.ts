import { RuntimeConfig } from "../config/schema";
import { N8nRuntimeProps } from "../constructs/app/n8n-runtime";
import { queueModeCatalog, RUNTIME_CATALOG, RuntimeCatalog } from "../constructs/app/service-catalog";
import { QUEUE_DEFAULTS } from "../constructs/common/defaults";

/*
 * What `n8n.mode` means for the stacks (issue 14): in queue mode the catalog gains Valkey, the
 * workers with their runners and the webhook processors (`queueModeCatalog`), and the runtime
 * gets the queue settings. Regular mode returns the catalog unchanged, so its plan stays as it was.
 */

/** The runtime's catalog for a config: `base` (default RUNTIME_CATALOG), plus queue mode's services when the config asks for them. */
export function catalogFor(c: RuntimeConfig, base: RuntimeCatalog = RUNTIME_CATALOG): RuntimeCatalog {
  if (c.n8n.mode !== "queue") return base;
  const q = c.n8n.queue ?? QUEUE_DEFAULTS;
  return queueModeCatalog(base, { workers: q.workers, webhookProcessors: q.webhookProcessors, recovery: (q.recovery ?? QUEUE_DEFAULTS.recovery).enabled });
}

/** `N8nRuntimeProps.queue` for a config; undefined in regular mode. */
export function queuePropsFor(c: RuntimeConfig): N8nRuntimeProps["queue"] {
  if (c.n8n.mode !== "queue") return undefined;
  if (!c.images.valkey) throw new Error('images.valkey is required with n8n.mode "queue" (validated by the config schema)');
  const q = c.n8n.queue ?? QUEUE_DEFAULTS;
  const r = q.recovery ?? QUEUE_DEFAULTS.recovery;
  return { valkeyImage: c.images.valkey, concurrency: q.concurrency, dbPoolSize: q.dbPoolSize, recovery: { maxAttempts: r.maxAttempts, pollSeconds: r.pollSeconds } };
}
