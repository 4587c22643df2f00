/*
 * Small hand-written cdktf JSON stacks for the rule tests (cdk-nag style): one compliant baseline
 * per pack, and `variant(base, edit)` for the non-compliant ones. They use the same shapes
 * cdktf writes for @cdktf/provider-docker 12.x and @cdktf/provider-aws 20.x (hashicorp/aws 5.x).
 */

export type Json = Record<string, any>;

export const labels = (o: Record<string, string>) => Object.entries(o).map(([label, value]) => ({ label, value }));
const meta = (path: string) => ({ "//": { metadata: { path, uniqueId: path.split("/").pop() } } });

export const network = (name: string, role: string, internal: boolean) => ({ ...meta(`shop/${name}`), name, internal, labels: labels({ "org.n8n-zero-trust.network-role": role }) });
const on = (...names: string[]) => names.map((n) => ({ name: `\${docker_network.${n}.name}` }));

/** A container with the baseline hardening every rule expects. */
export const hardened = (key: string, name: string, image: string, extra: Json = {}): Json => ({
  ...meta(`shop/${key}/Resource`),
  name,
  image,
  capabilities: { drop: ["ALL"] },
  security_opts: ["no-new-privileges:true"],
  memory: 256,
  read_only: true,
  healthcheck: { test: ["CMD", "true"] },
  ...extra,
});

/** A compliant Docker stack: Traefik with SSO in front of n8n, segmented networks, a socket proxy. */
export function dockerBaseline(): Json {
  return {
    "//": { metadata: { stackName: "shop", version: "0.21.0" } },
    resource: {
      docker_network: {
        edge: network("shop-edge", "edge", false),
        socket: network("shop-socket", "socket", true),
        app: network("shop-app", "app", true),
        data: network("shop-data", "data", true),
        egress: network("shop-egress", "egress", false),
      },
      docker_image: { pg: { name: "postgres:17.6-alpine" } },
      docker_container: {
        traefik: hardened("traefik", "shop-traefik", "traefik:v3.7.1", {
          ports: [
            { internal: 8443, external: 443 },
            { internal: 8000, external: 80 },
          ],
          networks_advanced: on("edge", "socket", "app"),
          labels: labels({ "org.n8n-zero-trust.role": "edge-proxy" }),
          command: [
            "--global.checknewversion=false",
            "--entrypoints.web.address=:8000",
            "--entrypoints.web.http.redirections.entrypoint.to=websecure",
            "--entrypoints.web.http.redirections.entrypoint.scheme=https",
            "--entrypoints.websecure.address=:8443",
            "--entrypoints.websecure.http.tls=true",
            "--providers.docker.endpoint=tcp://shop-socket-proxy:2375",
            "--providers.docker.exposedbydefault=false",
            "--providers.docker.constraints=Label(`org.n8n-zero-trust.instance`,`shop`)",
            "--providers.file.directory=/etc/traefik/dynamic",
          ],
          // The file provider's dynamic configuration: TLS options and the shared headers middleware.
          upload: [
            {
              file: "/etc/traefik/dynamic/shop.yml",
              content: [
                "tls:",
                "  options:",
                "    default:",
                "      minVersion: VersionTLS12",
                "      sniStrict: true",
                "      cipherSuites:",
                "        - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "        - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "http:",
                "  middlewares:",
                "    shop-headers:",
                "      headers:",
                "        stsSeconds: 31536000",
                "        contentTypeNosniff: true",
                "        frameDeny: true",
                "",
              ].join("\n"),
            },
          ],
        }),
        socketproxy: hardened("socketproxy", "shop-socket-proxy", "tecnativa/docker-socket-proxy:0.3.0", {
          networks_advanced: on("socket"),
          mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", read_only: true }],
          env: ["CONTAINERS=1", "POST=0"],
        }),
        sso: hardened("sso", "shop-oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3", {
          networks_advanced: on("edge"),
          command: [
            "--client-secret-file=/run/secrets/client-secret",
            "--cookie-secret-file=/run/secrets/cookie-secret",
            "--client-id=shop",
            "--cookie-expire=8h",
            "--cookie-refresh=1h",
            "--code-challenge-method=S256",
            "--insecure-oidc-skip-nonce=false",
          ],
          mounts: [{ type: "bind", source: "/srv/secrets/client-secret", target: "/run/secrets/client-secret", read_only: true }],
          labels: labels({
            "traefik.enable": "true",
            "traefik.http.middlewares.shop-sso.forwardauth.address": "http://shop-oauth2-proxy:4180/",
            "traefik.http.routers.shop-oauth2.rule": "Host(`shop.example.com`) && PathPrefix(`/oauth2/`)",
            "traefik.http.routers.shop-oauth2.entrypoints": "websecure",
            "traefik.http.routers.shop-oauth2.tls": "true",
            "traefik.http.routers.shop-oauth2.service": "shop-oauth2-proxy",
            "traefik.http.routers.shop-oauth2.middlewares": "shop-headers@file",
            "traefik.http.services.shop-oauth2-proxy.loadbalancer.server.port": "4180",
          }),
        }),
        n8n: hardened("n8n", "shop-n8n", "docker.n8n.io/n8nio/n8n:2.41.3", {
          networks_advanced: on("app", "data", "egress"),
          env: [
            "DB_POSTGRESDB_HOST=shop-postgres",
            "DB_POSTGRESDB_PASSWORD_FILE=/run/secrets/db-password",
            "N8N_PROTOCOL=https",
            "N8N_PROXY_HOPS=1",
            "N8N_RUNNERS_MODE=external",
            "N8N_COMMUNITY_PACKAGES_ENABLED=false",
            "N8N_UNVERIFIED_PACKAGES_ENABLED=false",
            "N8N_DIAGNOSTICS_ENABLED=false",
            "N8N_VERSION_NOTIFICATIONS_ENABLED=false",
            "N8N_TEMPLATES_ENABLED=false",
            "N8N_SSRF_PROTECTION_ENABLED=true",
          ],
          mounts: [{ type: "bind", source: "/srv/secrets/db-password", target: "/run/secrets/db-password", read_only: true }],
          labels: labels({
            "traefik.enable": "true",
            "traefik.http.routers.shop-editor.rule": "Host(`shop.example.com`) && !PathPrefix(`/metrics`) && !PathPrefix(`/healthz`)",
            "traefik.http.routers.shop-editor.entrypoints": "websecure",
            "traefik.http.routers.shop-editor.tls": "true",
            "traefik.http.routers.shop-editor.middlewares": "shop-headers@file,shop-sso@docker",
            "traefik.http.routers.shop-editor.service": "shop-n8n",
            "traefik.http.routers.shop-public.rule": "Host(`shop.example.com`) && (PathPrefix(`/webhook/`) || PathPrefix(`/form/`))",
            "traefik.http.routers.shop-public.entrypoints": "websecure",
            "traefik.http.routers.shop-public.tls": "true",
            "traefik.http.routers.shop-public.priority": "100",
            "traefik.http.routers.shop-public.service": "shop-n8n",
            "traefik.http.routers.shop-public.middlewares": "shop-headers@file,shop-ratelimit@docker,shop-bodylimit@docker",
            "traefik.http.middlewares.shop-ratelimit.ratelimit.average": "20",
            "traefik.http.middlewares.shop-ratelimit.ratelimit.burst": "50",
            "traefik.http.middlewares.shop-bodylimit.buffering.maxRequestBodyBytes": "16777216",
            "traefik.http.services.shop-n8n.loadbalancer.server.port": "5678",
          }),
        }),
        postgres: hardened("postgres", "shop-postgres", "${docker_image.pg.image_id}", {
          networks_advanced: on("data"),
          env: ["POSTGRES_PASSWORD_FILE=/run/secrets/db-password"],
          mounts: [{ type: "bind", source: "/srv/secrets/db-password", target: "/run/secrets/db-password", read_only: true }],
          command: ["postgres", "-c", "ssl=on", "-c", "ssl_key_file=/run/secrets/key.pem", "-c", "log_connections=on", "-c", "log_disconnections=on"],
        }),
      },
    },
  };
}

const policy = (statements: Json[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const KEY_ARN = "${aws_kms_key.key.arn}";

/** A compliant AWS stack: a customer key, an encrypted bucket and its log bucket, secrets, logs, alarms, a Lambda, IAM, an EC2 host in a VPC. */
export function awsBaseline(): Json {
  const bucketParts = (b: string, sse: Json) => ({
    sse: { bucket: `\${aws_s3_bucket.${b}.id}`, rule: [{ apply_server_side_encryption_by_default: sse, bucket_key_enabled: true }] },
    pab: { bucket: `\${aws_s3_bucket.${b}.id}`, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true },
    versioning: { bucket: `\${aws_s3_bucket.${b}.id}`, versioning_configuration: { status: "Enabled" } },
    ownership: { bucket: `\${aws_s3_bucket.${b}.id}`, rule: { object_ownership: "BucketOwnerEnforced" } },
    policy: {
      bucket: `\${aws_s3_bucket.${b}.id}`,
      policy: policy([{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`\${aws_s3_bucket.${b}.arn}`, `\${aws_s3_bucket.${b}.arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }]),
    },
  });
  const data = bucketParts("data", { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN });
  const logs = bucketParts("logs", { sse_algorithm: "AES256" });
  return {
    "//": { metadata: { stackName: "shop-cloud", version: "0.21.0" } },
    data: {
      aws_iam_policy_document: {
        exports: {
          statement: [{ sid: "WriteExports", effect: "Allow", actions: ["s3:PutObject"], resources: ["${aws_s3_bucket.data.arn}/exports/*"] }],
        },
      },
    },
    resource: {
      aws_kms_key: {
        key: {
          ...meta("shop-cloud/Key/Resource"),
          description: "shop data",
          enable_key_rotation: true,
          deletion_window_in_days: 30,
          policy: policy([
            { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
            { Sid: "Logs", Effect: "Allow", Principal: { Service: "logs.eu-central-1.amazonaws.com" }, Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], Resource: "*", Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-central-1:111122223333:log-group:*" } } },
            { Sid: "Alarms", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*", Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } } },
          ]),
        },
      },
      aws_kms_alias: { alias: { name: "alias/shop", target_key_id: "${aws_kms_key.key.key_id}" } },
      aws_s3_bucket: { data: { ...meta("shop-cloud/Data/Resource"), bucket: "shop-data" }, logs: { ...meta("shop-cloud/Logs/Resource"), bucket: "shop-logs" } },
      aws_s3_bucket_server_side_encryption_configuration: { data: data.sse, logs: logs.sse },
      aws_s3_bucket_public_access_block: { data: data.pab, logs: logs.pab },
      aws_s3_bucket_versioning: { data: data.versioning, logs: logs.versioning },
      aws_s3_bucket_ownership_controls: { data: data.ownership, logs: logs.ownership },
      aws_s3_bucket_policy: { data: data.policy, logs: logs.policy },
      aws_s3_bucket_logging: { data: { bucket: "${aws_s3_bucket.data.id}", target_bucket: "${aws_s3_bucket.logs.id}", target_prefix: "data/" } },
      aws_secretsmanager_secret: {
        db: { ...meta("shop-cloud/DbPassword/Resource"), name: "shop/db-password", kms_key_id: KEY_ARN, recovery_window_in_days: 30 },
        enc: { ...meta("shop-cloud/EncryptionKey/Resource"), name: "shop/encryption-key", kms_key_id: "alias/shop", recovery_window_in_days: 30, tags: { "n8n-zero-trust:rotation": "never" } },
      },
      aws_secretsmanager_secret_policy: {
        db: {
          secret_arn: "${aws_secretsmanager_secret.db.arn}",
          policy: policy([{ Sid: "OnlyHost", Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*", Condition: { StringNotLike: { "aws:PrincipalArn": ["arn:aws:iam::111122223333:role/shop-host"] } } }]),
        },
      },
      aws_secretsmanager_secret_rotation: { db: { secret_id: "${aws_secretsmanager_secret.db.id}", rotation_lambda_arn: "${aws_lambda_function.rotation.arn}", rotation_rules: { automatically_after_days: 30 } } },
      aws_secretsmanager_secret_version: { enc: { secret_id: "${aws_secretsmanager_secret.enc.id}", secret_string_wo: "${var.encryption_key}", secret_string_wo_version: 1 } },
      aws_cloudwatch_log_group: { app: { ...meta("shop-cloud/Logs/App/Resource"), name: "/shop/app", kms_key_id: KEY_ARN, retention_in_days: 365 } },
      aws_sns_topic: { alarms: { ...meta("shop-cloud/Alarms/Resource"), name: "shop-alarms", kms_master_key_id: KEY_ARN } },
      aws_cloudwatch_metric_alarm: {
        errors: { ...meta("shop-cloud/ErrorsAlarm/Resource"), alarm_name: "shop-errors", metric_name: "Errors", namespace: "Shop", alarm_actions: ["${aws_sns_topic.alarms.arn}"], ok_actions: ["${aws_sns_topic.alarms.arn}"] },
      },
      aws_sqs_queue: { dlq: { name: "shop-rotation-dlq", kms_master_key_id: KEY_ARN } },
      aws_lambda_function: {
        rotation: {
          ...meta("shop-cloud/Rotation/Resource"),
          function_name: "shop-rotation",
          role: "${aws_iam_role.rotation.arn}",
          runtime: "nodejs22.x",
          handler: "index.handler",
          reserved_concurrent_executions: 2,
          dead_letter_config: { target_arn: "${aws_sqs_queue.dlq.arn}" },
          tracing_config: { mode: "Active" },
          kms_key_arn: KEY_ARN,
          environment: { variables: { SECRETS_MANAGER_ENDPOINT: "https://secretsmanager.eu-central-1.amazonaws.com", LOG_LEVEL: "info" } },
        },
      },
      aws_lambda_permission: {
        rotation: { action: "lambda:InvokeFunction", function_name: "${aws_lambda_function.rotation.function_name}", principal: "secretsmanager.amazonaws.com", source_account: "111122223333" },
      },
      aws_iam_role: {
        host: {
          ...meta("shop-cloud/HostRole/Resource"),
          name: "shop-host",
          assume_role_policy: policy([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]),
        },
        rotation: {
          ...meta("shop-cloud/RotationRole/Resource"),
          name: "shop-rotation",
          assume_role_policy: policy([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]),
        },
      },
      aws_iam_role_policy: {
        host: {
          ...meta("shop-cloud/HostPolicy/Resource"),
          name: "least-privilege",
          role: "${aws_iam_role.host.id}",
          policy: policy([
            { Sid: "ReadSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: ["${aws_secretsmanager_secret.db.arn}", "${aws_secretsmanager_secret.enc.arn}"] },
            { Sid: "Decrypt", Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN, Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com" } } },
            { Sid: "StarOnly", Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ec2:DescribeInstances"], Resource: "*" },
          ]),
        },
      },
      aws_iam_policy: { exports: { ...meta("shop-cloud/ExportsPolicy/Resource"), name: "shop-exports", policy: "${data.aws_iam_policy_document.exports.json}" } },
      aws_iam_role_policy_attachment: { exports: { role: "${aws_iam_role.host.name}", policy_arn: "${aws_iam_policy.exports.arn}" } },
      aws_vpc: { main: { ...meta("shop-cloud/Network/Vpc/Resource"), cidr_block: "10.20.0.0/16", enable_dns_support: true, tags: { Name: "shop-vpc" } } },
      aws_default_security_group: { main: { ...meta("shop-cloud/Network/DefaultSecurityGroup/Resource"), vpc_id: "${aws_vpc.main.id}", ingress: [], egress: [] } },
      aws_subnet: { public: { vpc_id: "${aws_vpc.main.id}", cidr_block: "10.20.1.0/24", availability_zone: "eu-central-1a", map_public_ip_on_launch: false } },
      aws_security_group: {
        host: {
          ...meta("shop-cloud/Host/SecurityGroup/Resource"),
          name: "shop-host",
          vpc_id: "${aws_vpc.main.id}",
          ingress: [
            { description: "HTTP", protocol: "tcp", from_port: 80, to_port: 80, cidr_blocks: ["0.0.0.0/0"] },
            { description: "HTTPS", protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: ["::/0"] },
            { description: "Postgres", protocol: "tcp", from_port: 5432, to_port: 5432, security_groups: ["${aws_security_group.rotation.id}"] },
            { description: "path MTU discovery", protocol: "icmp", from_port: 3, to_port: 4, cidr_blocks: ["0.0.0.0/0"] },
          ],
          egress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"] }],
        },
        rotation: { ...meta("shop-cloud/Rotation/SecurityGroup/Resource"), name: "shop-rotation", vpc_id: "${aws_vpc.main.id}", egress: [{ protocol: "tcp", from_port: 5432, to_port: 5432, cidr_blocks: ["10.20.1.10/32"] }] },
      },
      aws_vpc_security_group_ingress_rule: {
        ssh: { ...meta("shop-cloud/Host/AdminSsh/Resource"), security_group_id: "${aws_security_group.host.id}", ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "192.0.2.0/28" },
      },
      aws_iam_instance_profile: { host: { name: "shop-host", role: "${aws_iam_role.host.name}" } },
      aws_instance: {
        host: {
          ...meta("shop-cloud/Host/Instance/Resource"),
          ami: "ami-0123456789abcdef0",
          instance_type: "t3.large",
          subnet_id: "${aws_subnet.public.id}",
          vpc_security_group_ids: ["${aws_security_group.host.id}"],
          iam_instance_profile: "${aws_iam_instance_profile.host.name}",
          metadata_options: { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 },
          root_block_device: { volume_type: "gp3", volume_size: 40, encrypted: true, kms_key_id: KEY_ARN },
          ebs_block_device: [{ device_name: "/dev/sdf", volume_size: 100, encrypted: true, kms_key_id: "alias/shop" }],
          // What the secrets agent's user data carries: secret names and a region, never a value.
          user_data_base64: Buffer.from("#!/bin/sh\nexec /usr/local/bin/fetch-secrets --region eu-central-1 --secret shop/db-password --secret shop/encryption-key\n").toString("base64"),
          tags: { Name: "shop-host" },
        },
      },
      aws_flow_log: {
        main: { ...meta("shop-cloud/Network/FlowLog/Resource"), vpc_id: "${aws_vpc.main.id}", traffic_type: "ALL", log_destination_type: "cloud-watch-logs", log_destination: "${aws_cloudwatch_log_group.app.arn}", iam_role_arn: "${aws_iam_role.host.arn}" },
      },
    },
  };
}

/** A deep copy of `base` changed by `edit` (fixtures are never shared between tests). */
export function variant(base: Json, edit: (j: Json) => void): Json {
  const copy = JSON.parse(JSON.stringify(base));
  edit(copy);
  return copy;
}

/** The labels of a container as an object, and a setter that keeps the list form. */
export function setLabel(c: Json, key: string, value: string | undefined): void {
  c.labels = (c.labels ?? []).filter((l: Json) => l.label !== key);
  if (value !== undefined) c.labels.push({ label: key, value });
}

/** Replaces a JSON policy attribute after editing its parsed document. */
export function editPolicy(holder: Json, attr: string, edit: (doc: Json) => void): void {
  const doc = JSON.parse(holder[attr]);
  edit(doc);
  holder[attr] = JSON.stringify(doc);
}
