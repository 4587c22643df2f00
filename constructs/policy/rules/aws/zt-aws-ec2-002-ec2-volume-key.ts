import { Rule, RuleFinding } from "../../rule";
import { blocksOf, block, ebsDefaultCustomerKey, eachResource, isAwsManagedKey, isCustomerKey, isTrue, nameTagOr } from "./helpers";

/** What is wrong with one EBS volume's settings (`encrypted`, `kms_key_id`), or undefined. */
function volumeProblem(label: string, v: Record<string, any> | undefined, accountDefault: boolean): string | undefined {
  const keyId = v?.kms_key_id;
  if (isAwsManagedKey(keyId)) return `${label} is on the AWS-managed key ${keyId}`;
  // Encryption by default with a customer key: EBS encrypts every new volume with it, whatever the volume says.
  if (accountDefault) return undefined;
  if (!v) return `${label} sets no encryption (it is encrypted only if the account's EBS default says so)`;
  if (!isTrue(v.encrypted)) return `${label} is not encrypted (encrypted = ${v.encrypted ?? "unset"})`;
  if (!isCustomerKey(keyId)) return `${label} is on the AWS-managed aws/ebs key (kms_key_id unset)`;
  return undefined;
}

const joined = (what: string, problems: (string | undefined)[]) => {
  const list = problems.filter((p): p is string => !!p);
  return list.length > 0 ? `${what}: ${list.join("; ")}` : undefined;
};

export const Ec2VolumeKey: Rule = {
  id: "ZT-AWS-EC2-002",
  level: "error",
  appliesTo: "aws_",
  cause: "An EBS volume is not encrypted with a customer-managed KMS key",
  checkov: ["CKV_AWS_8", "CKV_AWS_3", "CKV_AWS_189"],
  explanation:
    "The host's volumes hold Postgres' data and the secrets the agent writes. Set encrypted = true and kms_key_id to a " +
    "customer-managed key on the root_block_device and every ebs_block_device of aws_instance, on aws_ebs_volume and on " +
    "each block_device_mappings.ebs of aws_launch_template, so the key policy gates every snapshot copy and share and each " +
    "use shows in CloudTrail; the AWS-managed aws/ebs key gives neither. An aws_ebs_encryption_by_default with an " +
    "aws_ebs_default_kms_key on a customer key in the stack covers volumes that set nothing.",
  evaluate: (_stack, ctx) => {
    const accountDefault = ebsDefaultCustomerKey(ctx);
    const out: RuleFinding[] = eachResource(ctx, "aws_instance", (i, key) =>
      joined(`instance ${nameTagOr(i, key)}`, [
        volumeProblem("root volume", block(i.root_block_device), accountDefault),
        ...blocksOf(i.ebs_block_device).map((v, n) => volumeProblem(`ebs_block_device ${v.device_name ?? n}`, v, accountDefault)),
      ]),
    );
    out.push(...eachResource(ctx, "aws_ebs_volume", (v, key) => joined(`volume ${nameTagOr(v, key)}`, [volumeProblem("it", v, accountDefault)])));
    out.push(
      ...eachResource(ctx, "aws_launch_template", (t, key) => {
        const withEbs = blocksOf(t.block_device_mappings).filter((m) => block(m.ebs));
        const problems =
          withEbs.length === 0
            ? [volumeProblem("the AMI's root volume (no block_device_mappings)", undefined, accountDefault)]
            : withEbs.map((m, n) => volumeProblem(`block device ${m.device_name ?? n}`, block(m.ebs), accountDefault));
        return joined(`launch template ${nameTagOr(t, key)}`, problems);
      }),
    );
    return out;
  },
};
