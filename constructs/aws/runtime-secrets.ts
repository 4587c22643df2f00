import { Construct } from "constructs";
import { RuntimeSecretSpec } from "../common/secret-catalog";
import { PolicyGrantee } from "./host-role";
import { CustomerManagedKey } from "./kms-key";
import { ManagedSecret } from "./managed-secret";

export interface RuntimeSecretsProps {
  /** Secrets are named `<prefix>/<id>`. */
  readonly prefix: string;
  /** The secret catalog (`RuntimeCatalog.secrets`). */
  readonly secrets: readonly RuntimeSecretSpec[];
  /** The customer-managed key every secret is encrypted with. */
  readonly key: CustomerManagedKey;
  /** Principals that read every secret (the Docker host's role). */
  readonly readers: readonly string[];
  /** Principals that may set values by hand (operators). */
  readonly writers: readonly string[];
}

/**
 * One Secrets Manager secret per entry of the secret catalog, on the customer key, with a 30-day
 * recovery window; `neverRotate` entries are protected from deletion. `grantRead(grantee)`
 * gives a principal every secret: names it in each secret's policy and attaches the matching
 * `GetSecretValue` and key statements to its own policy.
 *
 * Not a child construct: each secret is created in `scope` as `Secret-<id>`, the address it had
 * when the stack built it itself, so existing state and plans stay as they are.
 */
export class RuntimeSecrets {
  /** The secrets by catalog id. */
  public readonly byId: Readonly<Record<string, ManagedSecret>>;
  /** Secret ARNs by catalog id. */
  public readonly arns: Readonly<Record<string, string>>;
  private readonly key: CustomerManagedKey;

  constructor(scope: Construct, props: RuntimeSecretsProps) {
    this.key = props.key;
    const byId: Record<string, ManagedSecret> = {};
    for (const s of props.secrets) {
      byId[s.id] = new ManagedSecret(scope, `Secret-${s.id}`, {
        name: `${props.prefix}/${s.id}`,
        description: s.description,
        key: props.key,
        readers: props.readers,
        writers: props.writers,
        neverRotate: s.neverRotate,
        recoveryWindowInDays: 30,
      });
    }
    this.byId = byId;
    this.arns = Object.fromEntries(Object.entries(byId).map(([id, s]) => [id, s.secretArn]));
  }

  /** The secret of a catalog id; throws naming the id when the catalog has none. */
  public get(id: string): ManagedSecret {
    const secret = this.byId[id];
    if (!secret) throw new Error(`the secret catalog has no "${id}" secret`);
    return secret;
  }

  /** Lets `grantee` read every secret: its own policy gets one statement for the secrets and one for the key (through Secrets Manager only). */
  public grantRead(grantee: PolicyGrantee): void {
    const secrets = Object.values(this.byId);
    secrets.forEach((s) => s.grantRead(grantee.principalArn));
    const arns = secrets.map((s) => s.secretArn);
    grantee.addToPolicy(
      { Sid: "ReadOwnSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: arns },
      { Sid: "DecryptOwnSecretsViaSecretsManager", ...this.key.grantUseVia("secretsmanager", ["kms:Decrypt"], { SecretARN: arns }) },
    );
  }
}
