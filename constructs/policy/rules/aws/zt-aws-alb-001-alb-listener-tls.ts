import { Rule } from "../../rule";
import { blocksOf, eachResource } from "./helpers";

/** Policies that allow nothing below TLS 1.2 (ELB's names). */
const TLS12_POLICY = /^(ELBSecurityPolicy-TLS13-1-[23]-|ELBSecurityPolicy-TLS-1-2-|ELBSecurityPolicy-FS-1-2-|ELBSecurityPolicy-TLS13-1-2-(Res|Ext)|ELBSecurityPolicy-TLS13-1-3-)/;

export const AlbListenerTls: Rule = {
  id: "ZT-AWS-ALB-001",
  level: "error",
  appliesTo: "aws_",
  cause: "A load balancer listener serves plain HTTP, or HTTPS with a policy that allows TLS below 1.2",
  checkov: ["CKV_AWS_2", "CKV_AWS_103"],
  explanation:
    "An HTTP listener may only redirect to HTTPS (default action redirect with protocol HTTPS); anything else serves the " +
    "editor, sessions and webhook payloads in clear text. An HTTPS listener must name a TLS 1.2+ policy such as " +
    "ELBSecurityPolicy-TLS13-1-2-2021-06: the default ELBSecurityPolicy-2016-08 still accepts TLS 1.0 and 1.1.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_lb_listener", (l, key) => {
      const protocol = String(l.protocol ?? "HTTP").toUpperCase();
      const what = `listener ${key} (${protocol} ${l.port ?? ""})`.replace(" )", ")");
      if (protocol === "HTTP") {
        const actions = blocksOf(l.default_action);
        const onlyRedirect = actions.length > 0 && actions.every((a) => a.type === "redirect" && String(blocksOf(a.redirect)[0]?.protocol ?? "").toUpperCase() === "HTTPS");
        return onlyRedirect ? undefined : `${what} serves plain HTTP instead of redirecting to HTTPS`;
      }
      if (protocol === "HTTPS" || protocol === "TLS") {
        const policy = typeof l.ssl_policy === "string" ? l.ssl_policy : "";
        return TLS12_POLICY.test(policy) ? undefined : `${what} uses ${policy || "the default policy (TLS 1.0+)"}, not a TLS 1.2+ policy`;
      }
      return undefined;
    }),
};
