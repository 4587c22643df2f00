import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { boundMessage, inBound, ROTATION_DAYS } from "../common/bounds";
import { SECRET_ROTATION_DAYS } from "../common/defaults";
import { formatProblem, SECRETS_MANAGER_NAME } from "../common/patterns";
import { isUnresolved, Validator } from "../common/validation";
import { policyDocument, PolicyStatement } from "./iam";
import { CustomerManagedKey } from "./kms-key";

/** Principals a secret policy may name: IAM roles, users or the account root. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role\/[A-Za-z0-9+=,.@_/-]{1,512}|user\/[A-Za-z0-9+=,.@_/-]{1,512}|root)$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;

/** A Lambda function that rotates a secret. */
export interface SecretRotation {
  /** ARN of the rotation function. */
  readonly functionArn: string;
  /** ARN of the function's execution role: it is allowed to read and write the value. */
  readonly functionRoleArn: string;
  /** Days between rotations, 1-365. @default - 30 days */
  readonly afterDays?: number;
}

export interface ManagedSecretProps {
  /** Secret name, e.g. `n8n-prod/n8n-db-password`. */
  readonly name: string;
  /** What the secret is for (shown in the console and in `cdk.tf.json`; never the value). */
  readonly description: string;
  /** Customer-managed key that encrypts every version; its policy is extended to allow use through Secrets Manager. */
  readonly key: CustomerManagedKey;
  /**
   * Principal ARNs (roles) that may read the value. The resource policy denies reading to everyone
   * else, administrators included. More can be added with {@link ManagedSecret.grantRead}.
   */
  readonly readers: readonly string[];
  /**
   * Principal ARNs that may write a value (operators setting an initial value, and the role that runs
   * `terraform apply` if it should be able to change the description: that is an `UpdateSecret` call).
   * The rotation function's role is added automatically.
   * @default - nobody but the rotation function may write a value
   */
  readonly writers?: readonly string[];
  /**
   * The value must never be rotated automatically (the n8n encryption key: a new key makes every
   * stored credential unreadable). A rotation schedule is refused, and the secret gets Terraform's
   * `prevent_destroy` on top of the recovery window.
   * @default - the secret may be rotated
   */
  readonly neverRotate?: boolean;
  /** Rotation by a Lambda function (can also be added later with {@link ManagedSecret.addRotation}). @default - no rotation */
  readonly rotation?: SecretRotation;
  /** Days a deleted secret can still be restored, 7-30. @default - 30 days, the longest AWS allows */
  readonly recoveryWindowInDays?: number;
}

/**
 * A Secrets Manager secret on the customer-managed key, with a resource policy that denies reading
 * the value to every principal except the named readers and the rotation function, and denies
 * writing it to everyone except the named writers and the rotation function. A `neverRotate`
 * secret refuses a rotation schedule, and nobody may delete it (`secretsmanager:DeleteSecret` is
 * denied to all, and Terraform has `prevent_destroy`), on top of the 30-day recovery window.
 *
 * Terraform never holds the value: the secret is created empty (no `aws_secretsmanager_secret_version`)
 * and filled by the rotation function or once by an operator, so neither `cdk.tf.json` nor the state
 * nor a saved plan contains it:
 *
 * ```sh
 * umask 077; openssl rand -hex 32 | tr -d '\n' > /dev/shm/k   # secret files carry no trailing newline
 * aws secretsmanager put-secret-value --secret-id n8n-prod/n8n-encryption-key --secret-string file:///dev/shm/k
 * shred -u /dev/shm/k
 * ```
 *
 * (`hashicorp/aws` 5.100 also offers the write-only `secret_string_wo`, but the ephemeral resource
 * that would generate its value has no cdktf construct and is opened during every plan, calling AWS;
 * a plain variable would land in saved plan files. See docs/aws-hardening.md.)
 *
 * @example
 * const encryptionKey = new ManagedSecret(this, "EncryptionKey", {
 *   name: "n8n-prod/n8n-encryption-key", description: "n8n credential encryption key",
 *   key, readers: [hostRoleArn], writers: [operatorRoleArn], neverRotate: true,
 * });
 * const dbPassword = new ManagedSecret(this, "DbPassword", { name: "n8n-prod/n8n-db-password", description: "n8n DB password", key, readers: [hostRoleArn] });
 * dbPassword.addRotation({ functionArn: rotation.arn, functionRoleArn: rotationRole.arn });
 */
export class ManagedSecret extends Construct {
  /** The `aws_secretsmanager_secret` (child id `Resource`). */
  public readonly secret: SecretsmanagerSecret;
  public readonly secretArn: string;
  public readonly secretName: string;
  public readonly neverRotate: boolean;
  public readonly key: CustomerManagedKey;
  private readonly readerArns: string[] = [];
  private readonly writerArns: string[] = [];
  private rotationResource?: SecretsmanagerSecretRotation;
  private rotationRoleArn?: string;

  constructor(scope: Construct, id: string, props: ManagedSecretProps) {
    super(scope, id);
    const recovery = props.recoveryWindowInDays ?? 30;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    const nameProblem = formatProblem(SECRETS_MANAGER_NAME, props.name);
    if (nameProblem) v.add("name", nameProblem);
    v.check(props.description.trim().length > 0, "description", "must say what the secret is for");
    v.check(props.readers.length > 0, "readers", "must name at least one principal ARN (a secret nobody can read is useless)");
    props.readers.forEach((r, i) => v.check(isUnresolved(r) || PRINCIPAL_ARN.test(r), `readers.${i}`, `"${r}" is not an IAM role, user or account-root ARN`));
    (props.writers ?? []).forEach((w, i) => v.check(isUnresolved(w) || PRINCIPAL_ARN.test(w), `writers.${i}`, `"${w}" is not an IAM role, user or account-root ARN`));
    v.check(isUnresolved(recovery) || (Number.isInteger(recovery) && recovery >= 7 && recovery <= 30), "recoveryWindowInDays", `must be a whole number of days from 7 to 30, got ${recovery}`);
    if (props.rotation) ManagedSecret.checkRotation(v, props.rotation, props.neverRotate ?? false);
    v.throwIfAny();
    this.neverRotate = props.neverRotate ?? false;
    this.key = props.key;
    props.key.allowUseVia("secretsmanager");
    this.secretName = props.name;
    this.readerArns.push(...props.readers);
    this.writerArns.push(...(props.writers ?? []));

    this.secret = new SecretsmanagerSecret(this, "Resource", {
      name: props.name,
      description: props.description,
      kmsKeyId: props.key.keyArn,
      recoveryWindowInDays: recovery,
      tags: { "n8n-zero-trust:rotation": Lazy.stringValue({ produce: () => (this.neverRotate ? "never" : this.rotationResource ? "lambda" : "manual") }) },
      lifecycle: this.neverRotate ? { preventDestroy: true } : undefined,
    });
    this.secretArn = this.secret.arn;

    // Built at synth time, so readers and a rotation added after construction are included.
    // Resource "*" in a secret's resource policy means this secret only.
    new SecretsmanagerSecretPolicy(this, "Policy", {
      secretArn: this.secret.arn,
      blockPublicPolicy: true,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.policyStatements()) }),
    });

    if (props.rotation) this.addRotation(props.rotation);
  }

  private static checkRotation(v: Validator, rotation: SecretRotation, neverRotate: boolean): void {
    if (neverRotate) v.add("rotation", "this secret is marked neverRotate (rotating it would make data encrypted with it unreadable); remove the rotation schedule");
    v.check(isUnresolved(rotation.functionArn) || LAMBDA_ARN.test(rotation.functionArn), "rotation.functionArn", `"${rotation.functionArn}" is not a Lambda function ARN`);
    v.check(isUnresolved(rotation.functionRoleArn) || PRINCIPAL_ARN.test(rotation.functionRoleArn), "rotation.functionRoleArn", `"${rotation.functionRoleArn}" is not an IAM role ARN`);
    const days = rotation.afterDays ?? SECRET_ROTATION_DAYS;
    v.check(inBound(days, ROTATION_DAYS), "rotation.afterDays", `${boundMessage(ROTATION_DAYS, " (days)")}, got ${days}`);
  }

  /** Principals named as readers (writers and the rotation function's role may read too). */
  public get readers(): readonly string[] {
    return [...this.readerArns];
  }

  /** The rotation schedule, if any. */
  public get rotation(): SecretsmanagerSecretRotation | undefined {
    return this.rotationResource;
  }

  /**
   * Turns on rotation by a Lambda function; its role may then read and write the value.
   * Refused (naming `rotation`) on a `neverRotate` secret and when a rotation is already set.
   */
  public addRotation(rotation: SecretRotation): SecretsmanagerSecretRotation {
    const v = new Validator(`Invalid rotation for ${this.node.path}`);
    ManagedSecret.checkRotation(v, rotation, this.neverRotate);
    if (this.rotationResource) v.add("rotation", "the secret already has a rotation schedule");
    v.throwIfAny();
    this.rotationResource = new SecretsmanagerSecretRotation(this, "Rotation", {
      secretId: this.secret.id,
      rotationLambdaArn: rotation.functionArn,
      rotationRules: { automaticallyAfterDays: rotation.afterDays ?? 30 },
      // The secret is created empty and an operator stores its first value after deploy; rotating
      // at creation would fail (and alarm) on the missing AWSCURRENT. The first run follows the schedule.
      rotateImmediately: false,
    });
    this.rotationRoleArn = rotation.functionRoleArn;
    return this.rotationResource;
  }

  /**
   * Lets `principalArn` read the value: adds it to the resource policy's allowed readers and returns
   * the identity-policy statements it needs (read this secret, decrypt only through Secrets Manager
   * and only for this secret).
   */
  public grantRead(principalArn: string): PolicyStatement[] {
    const v = new Validator(`Invalid grant on ${this.node.path}`);
    v.check(isUnresolved(principalArn) || PRINCIPAL_ARN.test(principalArn), "principalArn", `"${principalArn}" is not an IAM role, user or account-root ARN`);
    v.throwIfAny();
    if (!this.readerArns.includes(principalArn)) this.readerArns.push(principalArn);
    return [
      { Sid: "ReadSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: this.secretArn },
      { Sid: "DecryptSecretViaSecretsManager", ...this.key.grantUseVia("secretsmanager", ["kms:Decrypt"], { SecretARN: this.secretArn }) },
    ];
  }

  private policyStatements(): PolicyStatement[] {
    const rotator = this.rotationRoleArn ? [this.rotationRoleArn] : [];
    const readers = [...new Set([...this.readerArns, ...this.writerArns, ...rotator])];
    const writers = [...new Set([...this.writerArns, ...rotator])];
    return [
      {
        Sid: "OnlyNamedPrincipalsReadTheValue",
        Effect: "Deny",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
        Condition: { StringNotLike: { "aws:PrincipalArn": readers } },
      },
      {
        Sid: "OnlyNamedPrincipalsWriteTheValue",
        Effect: "Deny",
        Principal: "*",
        Action: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage"],
        Resource: "*",
        // With no writer named, nobody may write the value: the deny has no exception.
        ...(writers.length > 0 ? { Condition: { StringNotLike: { "aws:PrincipalArn": writers } } } : {}),
      },
      // Deletion protection as far as AWS allows: deleting a never-rotate secret first needs a
      // deliberate change of this policy (and of `prevent_destroy` in the code).
      ...(this.neverRotate ? [{ Sid: "NobodyDeletesThisSecret", Effect: "Deny" as const, Principal: "*" as const, Action: "secretsmanager:DeleteSecret", Resource: "*" }] : []),
    ];
  }
}
