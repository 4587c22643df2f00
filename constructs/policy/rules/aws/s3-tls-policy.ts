import { pathOf, refsIn, Rule } from "../../rule";

export const S3TlsPolicy: Rule = {
  id: "ZT-AWS-S3-003",
  level: "error",
  cause: "An S3 bucket's policy does not deny requests without TLS",
  explanation: "A bucket policy statement denying `aws:SecureTransport = false` (and `s3:TlsVersion < 1.2`) keeps credentials and data off plain HTTP.",
  evaluate: (ctx) => {
    const policies = ctx.resources("aws_s3_bucket_policy");
    return ctx.resources("aws_s3_bucket").flatMap(([key, b]) => {
      const addr = `aws_s3_bucket.${key}`;
      const policy = policies.find(([, p]) => refsIn(p.bucket).includes(addr))?.[1]?.policy;
      let ok = false;
      try {
        const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
        ok = (doc?.Statement ?? []).some((s: any) => s.Effect === "Deny" && String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false");
      } catch {
        ok = false;
      }
      return ok ? [] : [{ resource: addr, path: pathOf(b), detail: `bucket ${b.bucket ?? key} has no policy denying aws:SecureTransport = false` }];
    });
  },
};
