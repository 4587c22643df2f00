import { Construct } from "constructs";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Validator } from "../common/validation";
import { AlbLogBucket } from "./alb-log-bucket";

/** The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only, forward-secret ciphers. */
export const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** n8n's HTTP port in every task. */
export const N8N_PORT = 5678;
/**
 * The listener's client secret as Terraform sees it. The real secret lives in Secrets Manager and
 * the secret-sync function writes it into the listener (ModifyListener); Terraform ignores the
 * attribute after creation, so neither `cdk.tf.json` nor the state ever holds the value.
 */
export const OIDC_CLIENT_SECRET_PLACEHOLDER = "set-from-secrets-manager-by-the-secret-sync-function";
/** Paths the ALB answers with a fixed 404 (never forwarded): n8n's metrics and health endpoints. */
export const NEVER_FORWARDED_PATHS = ["/metrics", "/metrics/*", "/healthz", "/healthz/*"] as const;

export interface AlbOidcProps {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  readonly clientId: string;
  /** @default "openid email profile" */
  readonly scope?: string;
  /** Seconds (1 to 604800). */
  readonly sessionTimeoutSeconds: number;
}

export interface N8nAlbProps {
  /** Prefix of names (`<prefix>-alb`, `<prefix>-main`...). ALB and target group names are at most 32 characters. */
  readonly prefix: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** The public subnets (one per zone). */
  readonly publicSubnetIds: string[];
  /** ACM certificate of the n8n host. */
  readonly certificateArn: string;
  readonly oidc: AlbOidcProps;
  /** Public path names (`webhook`, `form`...): forwarded to the webhook processors without sign-in. */
  readonly publicPaths: readonly string[];
  readonly accessLogs: AlbLogBucket;
  /**
   * Deletion protection: `terraform destroy` fails until it is switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The ALB in front of n8n on ECS, HTTPS only:
 *
 * - port 80 only redirects to 443; 443 uses {@link ALB_TLS_POLICY} and the ACM certificate;
 * - the **default action authenticates** (`authenticate-oidc`, then forward to main): editor, REST
 *   API, test webhooks and everything not listed below need a session from the IdP;
 * - `/metrics` and `/healthz` get a fixed 404 (priority 10);
 * - only the public production paths (`/webhook/*`, `/webhook-waiting/*`, `/form/*`,
 *   `/form-waiting/*`, the same prefixes Traefik routes without SSO) go to the webhook target group
 *   without sign-in (priority 20); WAF rate-limits them;
 * - invalid header fields dropped, desync mitigation `defensive`, deletion protection, access logs.
 *
 * The ALB itself calls the IdP's token and user-info endpoints, so its group allows HTTPS out.
 */
export class N8nAlb extends Construct {
  public readonly lb: Lb;
  public readonly securityGroup: SecurityGroup;
  public readonly mainTargetGroup: LbTargetGroup;
  public readonly webhookTargetGroup: LbTargetGroup;
  public readonly httpsListener: LbListener;
  public readonly publicPathPatterns: string[];

  constructor(scope: Construct, id: string, props: N8nAlbProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(props.prefix.length <= 24, "prefix", `must be at most 24 characters (ALB and target group names allow 32), got "${props.prefix}"`);
    v.check(props.publicPaths.length >= 1 && props.publicPaths.length <= 5, "publicPaths", "must list 1 to 5 paths (one listener rule condition takes at most 5)");
    props.publicPaths.forEach((p, i) => v.check(/^[a-z][a-z-]*$/.test(p) && !p.endsWith("-test"), `publicPaths.${i}`, `"${p}" must be a path name such as webhook; test paths stay behind sign-in`));
    v.check(Number.isInteger(props.oidc.sessionTimeoutSeconds) && props.oidc.sessionTimeoutSeconds >= 1 && props.oidc.sessionTimeoutSeconds <= 604800, "oidc.sessionTimeoutSeconds", "must be 1 to 604800 seconds");
    v.throwIfAny();
    const p = props.prefix;
    this.publicPathPatterns = props.publicPaths.map((x) => `/${x}/*`);

    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: `${p}-alb`,
      description: "ALB: HTTPS (and the HTTP redirect) from the internet; to n8n tasks and the IdP",
      vpcId: props.vpcId,
      ingress: [
        { description: "HTTPS from the internet", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        { description: "HTTP (redirect to HTTPS only)", protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
      ],
      egress: [
        { description: "n8n tasks", protocol: "tcp", fromPort: N8N_PORT, toPort: N8N_PORT, cidrBlocks: [props.vpcCidr] },
        // authenticate-oidc: the ALB exchanges the code at the IdP's token endpoint and reads user info.
        { description: "The IdP token and user-info endpoints (HTTPS)", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
      ],
      tags: { Name: `${p}-alb` },
    });

    this.lb = new Lb(this, "Resource", {
      name: `${p}-alb`,
      loadBalancerType: "application",
      internal: false,
      securityGroups: [this.securityGroup.id],
      subnets: props.publicSubnetIds,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "defensive",
      enableDeletionProtection: props.deletionProtection ?? true,
      idleTimeout: 120,
      accessLogs: { bucket: props.accessLogs.bucket.id, prefix: props.accessLogs.prefix, enabled: true },
    });

    const targetGroup = (name: string) =>
      new LbTargetGroup(this, name === "main" ? "MainTargets" : "WebhookTargets", {
        name: `${p}-${name}`,
        port: N8N_PORT,
        protocol: "HTTP",
        targetType: "ip",
        vpcId: props.vpcId,
        deregistrationDelay: "30",
        // Ready means connected to Postgres and migrated (n8n's readiness), not just up.
        healthCheck: { enabled: true, path: "/healthz/readiness", matcher: "200", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3, timeout: 5 },
      });
    this.mainTargetGroup = targetGroup("main");
    this.webhookTargetGroup = targetGroup("webhook");

    new LbListener(this, "HttpRedirect", {
      loadBalancerArn: this.lb.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });

    const o = props.oidc;
    this.httpsListener = new LbListener(this, "Https", {
      loadBalancerArn: this.lb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: ALB_TLS_POLICY,
      certificateArn: props.certificateArn,
      defaultAction: [
        {
          type: "authenticate-oidc",
          order: 1,
          authenticateOidc: {
            issuer: o.issuer,
            authorizationEndpoint: o.authorizationEndpoint,
            tokenEndpoint: o.tokenEndpoint,
            userInfoEndpoint: o.userInfoEndpoint,
            clientId: o.clientId,
            clientSecret: OIDC_CLIENT_SECRET_PLACEHOLDER,
            scope: o.scope ?? "openid email profile",
            sessionTimeout: o.sessionTimeoutSeconds,
            sessionCookieName: `${p}-session`,
            onUnauthenticatedRequest: "authenticate",
          },
        },
        { type: "forward", order: 2, targetGroupArn: this.mainTargetGroup.arn },
      ],
      lifecycle: { ignoreChanges: ["default_action[0].authenticate_oidc[0].client_secret"] },
    });

    new LbListenerRule(this, "NeverForwarded", {
      listenerArn: this.httpsListener.arn,
      priority: 10,
      condition: [{ pathPattern: { values: [...NEVER_FORWARDED_PATHS] } }],
      action: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not Found" } }],
    });
    new LbListenerRule(this, "PublicPaths", {
      listenerArn: this.httpsListener.arn,
      priority: 20,
      condition: [{ pathPattern: { values: this.publicPathPatterns } }],
      action: [{ type: "forward", targetGroupArn: this.webhookTargetGroup.arn }],
    });
  }
}
