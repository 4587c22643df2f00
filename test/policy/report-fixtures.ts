import { gzipSync } from "node:zlib";
import { StackJson } from "../../constructs/policy/docker-model";
import { makeContext } from "../../constructs/policy/rule";

/*
 * Small hand-written stacks for the report's sections (issue 13, item 6): an AWS stack with a host,
 * its security groups, an Elastic IP, an endpoint, a public function URL and the secrets agent's
 * cloud-config, and a Docker stack deployed to that host with a port on its private address.
 */
const agentFiles = (list: string, interval = "10min") =>
  [
    "#cloud-config",
    "users:",
    '  - name: "deploy"',
    '    groups: ["docker"]',
    "write_files:",
    '  - path: "/etc/n8n-secrets-agent/secrets.conf"',
    "    content: |",
    ...list.split("\n").map((l) => `      ${l}`),
    '  - path: "/etc/n8n-secrets-agent/agent.env"',
    "    content: |",
    "      SECRETS_DIR=/run/s",
    '  - path: "/etc/systemd/system/n8n-secrets-agent.timer"',
    "    content: |",
    "      [Timer]",
    `      OnUnitActiveSec=${interval}`,
    "",
  ].join("\n");

export function cloudStack(secretsList = "app/db db-password=password app,ghost\napp/token token -", region = "eu-west-1"): StackJson {
  return {
    provider: { aws: [{ region }] },
    terraform: { backend: { s3: { bucket: "state", key: "cloud.tfstate", region: "eu-west-1" } } },
    output: { host_ip: { value: "10.0.1.5" } },
    resource: {
      aws_instance: {
        host: {
          private_ip: "10.0.1.5",
          instance_type: "t3.small",
          vpc_security_group_ids: ["${aws_security_group.host.id}"],
          tags: { Name: "web-host" },
          user_data_base64: gzipSync(agentFiles(secretsList)).toString("base64"),
        },
      },
      aws_security_group: {
        host: { name: "host-sg", ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], description: "HTTPS" }] },
        fn: { name: "fn-sg", egress: [{ protocol: "tcp", from_port: 5432, to_port: 5432, cidr_blocks: ["10.0.1.5/32"] }] },
      },
      aws_vpc_security_group_ingress_rule: { db: { security_group_id: "${aws_security_group.host.id}", ip_protocol: "tcp", from_port: 5432, to_port: 5432, referenced_security_group_id: "${aws_security_group.fn.id}" } },
      aws_security_group_rule: { ssh: { type: "ingress", security_group_id: "${aws_security_group.host.id}", protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["203.0.113.0/24"] } },
      aws_lambda_function: { fn: { function_name: "rotator", vpc_config: { security_group_ids: ["${aws_security_group.fn.id}"] } } },
      aws_lambda_function_url: { url: { function_name: "${aws_lambda_function.fn.function_name}", authorization_type: "NONE" } },
      aws_eip: { ip: { domain: "vpc", instance: "${aws_instance.host.id}", tags: { Name: "web-ip" } } },
      aws_subnet: { pub: { cidr_block: "10.0.1.0/24", map_public_ip_on_launch: true, tags: { Name: "public" } } },
      aws_vpc_endpoint: { sm: { vpc_endpoint_type: "Interface", service_name: "com.amazonaws.eu-west-1.secretsmanager", security_group_ids: ["${aws_security_group.fn.id}"], private_dns_enabled: true, tags: { Name: "sm" } } },
      aws_secretsmanager_secret: { db: { name: "app/db" }, token: { name: "app/token", tags: { "n8n-zero-trust:rotation": "manual" } } },
      aws_secretsmanager_secret_rotation: { db: { secret_id: "${aws_secretsmanager_secret.db.id}", rotation_lambda_arn: "${aws_lambda_function.fn.arn}", rotation_rules: { automatically_after_days: 30 } } },
    },
  };
}

const label = (k: string, v: string) => ({ label: k, value: v });
export function runtimeStack(appMounts = ["db-password", "missing-file"]): StackJson {
  return {
    provider: { docker: [{ host: "ssh://deploy@10.0.1.5" }] },
    data: { terraform_remote_state: { cloud: { backend: "s3", config: { bucket: "state", key: "cloud.tfstate", region: "eu-west-1" } } } },
    resource: {
      docker_container: {
        db: { name: "db", image: "postgres:17", ports: [{ internal: 5432, external: 5432, ip: "10.0.1.5" }], mounts: [{ type: "bind", source: "/run/s/db-password", target: "/run/secrets/db-password", read_only: true }] },
        edge: {
          name: "edge",
          image: "traefik:v3.7.13",
          ports: [{ internal: 443, external: 443, ip: "0.0.0.0" }],
          labels: [label("traefik.enable", "true"), label("traefik.http.routers.hook.rule", "PathPrefix(`/webhook/`)"), label("traefik.http.routers.hook.service", "app")],
        },
        app: {
          name: "app",
          image: "app:1",
          env: ["LOG_GROUP=${data.terraform_remote_state.cloud.outputs.log_group}"],
          mounts: appMounts.map((f) => ({ type: "bind", source: `/run/s/${f}`, target: `/run/secrets/${f}`, read_only: true })),
        },
      },
    },
  };
}

export const linked = (stacks: Record<string, StackJson>) => Object.entries(stacks).map(([name, json]) => ({ name, json, ctx: makeContext(name, json) }));
