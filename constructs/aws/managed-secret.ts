import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { isUnresolved, Validator } from "../common/validation";
import { policyDocument, PolicyStatement } from "./iam";
import { CustomerManagedKey } from "./kms-key";

export interface ManagedSecretProps {
  /** Secret name, e.g. `n8n-prod/n8n-db-password`. */
  readonly name: string;
  readonly description: string;
  /** Customer-managed key that encrypts every version. */
  readonly key: CustomerManagedKey;
  /** Principal ARNs (roles) that may read the value. Everyone else is denied by the resource policy. */
  readonly readers: string[];
  /**
   * Principal ARNs that may write a value (operators setting an initial value). The rotation
   * function's role is added automatically. @default - none
   */
  readonly writers?: string[];
  /**
   * The value must never be rotated automatically (the n8n encryption key: a new key makes every
   * stored credential unreadable). Refuses a rotation schedule and protects the secret from
   * `terraform destroy`. @default false
   */
  readonly neverRotate?: boolean;
  /** Rotation by a Lambda function. @default - no rotation */
  readonly rotation?: { readonly functionArn: string; readonly functionRoleArn: string; readonly afterDays?: number };
  /** Days a deleted secret can still be restored (7-30). @default 30 */
  readonly recoveryWindowInDays?: number;
}

const ROLE_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|assumed-role|user|root)(\/.*)?$/;

/**
 * A Secrets Manager secret on the customer-managed key with a resource policy that denies reading
 * and writing to every principal except the named readers, writers and the rotation function.
 * Terraform never holds the value: the secret is created empty and filled by rotation or once by
 * an operator (`aws secretsmanager put-secret-value`), so neither `cdk.tf.json` nor the state
 * contains it.
 *
 * @example
 * new ManagedSecret(this, "EncryptionKey", {
 *   name: "n8n-prod/n8n-encryption-key", description: "n8n credential encryption key",
 *   key, readers: [hostRoleArn], writers: [operatorRoleArn], neverRotate: true,
 * });
 */
export class ManagedSecret extends Construct {
  public readonly secret: SecretsmanagerSecret;
  public readonly secretArn: string;
  public readonly secretName: string;
  public readonly neverRotate: boolean;
  public readonly readers: string[];
  public readonly rotation?: SecretsmanagerSecretRotation;

  constructor(scope: Construct, id: string, props: ManagedSecretProps) {
    super(scope, id);
    const recovery = props.recoveryWindowInDays ?? 30;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(props.name), "name", "must be 1-512 characters of letters, digits and /_+=.@-");
    v.check(props.readers.length > 0, "readers", "must name at least one principal ARN (a secret nobody can read is useless)");
    for (const r of [...props.readers, ...(props.writers ?? [])]) {
      if (!isUnresolved(r)) v.check(ROLE_ARN.test(r), "readers", `"${r}" is not an IAM role/user ARN`);
    }
    v.check(Number.isInteger(recovery) && recovery >= 7 && recovery <= 30, "recoveryWindowInDays", `must be from 7 to 30, got ${recovery}`);
    if (props.neverRotate && props.rotation) {
      v.add("rotation", "this secret is marked neverRotate (rotating it would make data encrypted with it unreadable); remove the rotation schedule");
    }
    if (props.rotation?.afterDays !== undefined) {
      v.check(Number.isInteger(props.rotation.afterDays) && props.rotation.afterDays >= 1 && props.rotation.afterDays <= 365, "rotation.afterDays", "must be from 1 to 365");
    }
    v.throwIfAny();
    this.neverRotate = props.neverRotate ?? false;
    this.readers = props.readers;
    this.secretName = props.name;

    this.secret = new SecretsmanagerSecret(this, "Resource", {
      name: props.name,
      description: props.description,
      kmsKeyId: props.key.keyArn,
      recoveryWindowInDays: recovery,
      tags: { "n8n-zero-trust:rotation": this.neverRotate ? "never" : props.rotation ? "lambda" : "manual" },
      lifecycle: this.neverRotate ? { preventDestroy: true } : undefined,
    });
    this.secretArn = this.secret.arn;

    const allowed = [...props.readers, ...(props.writers ?? []), ...(props.rotation ? [props.rotation.functionRoleArn] : [])];
    const writers = [...(props.writers ?? []), ...(props.rotation ? [props.rotation.functionRoleArn] : [])];
    const statements: PolicyStatement[] = [
      {
        Sid: "OnlyNamedPrincipalsReadTheValue",
        Effect: "Deny",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
        Condition: { StringNotLike: { "aws:PrincipalArn": [...new Set(allowed)] } },
      },
      {
        Sid: "OnlyNamedPrincipalsWriteTheValue",
        Effect: "Deny",
        Principal: "*",
        Action: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage"],
        Resource: "*",
        // With no writer named, nobody may write the value: the deny has no exception.
        ...(writers.length > 0 ? { Condition: { StringNotLike: { "aws:PrincipalArn": [...new Set(writers)] } } } : {}),
      },
    ];
    // Resource "*" in a secret's resource policy means this secret only.
    new SecretsmanagerSecretPolicy(this, "Policy", { secretArn: this.secret.arn, policy: policyDocument(statements), blockPublicPolicy: true });

    if (props.rotation) {
      this.rotation = new SecretsmanagerSecretRotation(this, "Rotation", {
        secretId: this.secret.id,
        rotationLambdaArn: props.rotation.functionArn,
        rotationRules: { automaticallyAfterDays: props.rotation.afterDays ?? 30 },
      });
    }
  }

  /** Least-privilege read of this secret, decrypting only through Secrets Manager. */
  public grantRead(key: CustomerManagedKey): PolicyStatement[] {
    return [
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: this.secretArn },
      key.grantUseVia("secretsmanager", ["kms:Decrypt"]),
    ];
  }
}
