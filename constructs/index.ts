/**
 * Public API of the zero-trust n8n constructs. Import from here:
 *
 *   import { N8nRuntime, Traefik, OAuth2Proxy, N8n, Postgres, runApp } from "n8n-zero-trust-cdktf";
 *
 * (built into dist/constructs/index.js and .d.ts by `npm run build`; this repository's own code
 * imports the sources directly).
 */
export * from "./common/validation";
export * from "./common/run-app";
export * from "./common/hardened-container";
export * from "./common/secret-files";
export * from "./common/secret-patterns";
export * from "./common/patterns";
export * from "./common/bounds";
export * from "./common/defaults";
export * from "./common/secret-catalog";
export * from "./network/segmented-networks";
export * from "./network/tenant-networks";
export * from "./edge/traefik-labels";
export * from "./edge/socket-proxy";
export * from "./edge/traefik";
export * from "./edge/oauth2-proxy";
export * from "./edge/dev-idp";
export * from "./app/n8n";
export * from "./app/n8n-runtime";
export * from "./app/multi-tenant-runtime";
export * from "./app/tenants";
export * from "./app/service-catalog";
export * from "./app/execution-recovery";
export * from "./data/postgres";
export * from "./data/postgres-bootstrap";
export * from "./data/valkey";
export * from "./policy/traefik-rules";
export * from "./policy/docker-model";
export * from "./aws";
export * from "./ecs";
export * from "./host/secrets-agent";
export * from "./host/user-data";
export * from "./policy/rule";
export * from "./policy/packs";
export * from "./policy/engine";
export * from "./policy/aspect";
