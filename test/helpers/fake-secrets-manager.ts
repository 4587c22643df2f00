import { randomBytes, randomUUID } from "node:crypto";
import { SecretsApi } from "../../lambda/rotation/handler";

/**
 * An in-memory Secrets Manager at the boundary the handler uses, with the service's staging
 * rules: one version per staging label, RotateSecret staging a value-less AWSPENDING version,
 * PutSecretValue idempotent per ClientRequestToken, AWSPREVIOUS following AWSCURRENT.
 */
export class FakeSecretsManager implements SecretsApi {
  readonly versions = new Map<string, { value?: string; stages: Set<string> }>();
  rotationEnabled = true;
  readonly calls: string[] = [];
  /** Per-id secrets outside the rotated one (the rotator's). */
  readonly others = new Map<string, string>();

  constructor(readonly arn: string, initial: string) {
    this.versions.set(randomUUID(), { value: initial, stages: new Set(["AWSCURRENT"]) });
  }

  private notFound(what: string): Error {
    const e = new Error(`Secrets Manager can't find the specified secret value for ${what}`);
    e.name = "ResourceNotFoundException";
    return e;
  }

  private moveLabel(label: string, to: string): void {
    for (const v of this.versions.values()) v.stages.delete(label);
    this.versions.get(to)!.stages.add(label);
  }

  /** What RotateSecret does before calling the function: a new token staged AWSPENDING. */
  startRotation(token = randomUUID()): string {
    this.versions.set(token, { stages: new Set() });
    this.moveLabel("AWSPENDING", token);
    return token;
  }

  stageOf(label: string): string | undefined {
    return [...this.versions].find(([, v]) => v.stages.has(label))?.[0];
  }

  valueOf(label: string): any {
    const id = this.stageOf(label);
    return id ? JSON.parse(this.versions.get(id)!.value ?? "null") : undefined;
  }

  async describeSecret(secretId: string) {
    this.calls.push(`describeSecret ${secretId}`);
    if (secretId !== this.arn) throw this.notFound(secretId);
    return { RotationEnabled: this.rotationEnabled, VersionIdsToStages: Object.fromEntries([...this.versions].filter(([, v]) => v.stages.size > 0).map(([k, v]) => [k, [...v.stages]])) };
  }

  async getSecretString(secretId: string, o: { versionId?: string; versionStage?: string }) {
    this.calls.push(`getSecretValue ${secretId} ${o.versionId ?? ""} ${o.versionStage ?? ""}`);
    if (secretId !== this.arn) {
      const other = this.others.get(secretId);
      if (other === undefined) throw this.notFound(secretId);
      return other;
    }
    const id = o.versionId ?? this.stageOf(o.versionStage ?? "AWSCURRENT");
    const v = id ? this.versions.get(id) : undefined;
    if (!v || v.value === undefined || (o.versionStage && !v.stages.has(o.versionStage))) throw this.notFound(`${o.versionId}/${o.versionStage}`);
    return v.value;
  }

  async putPendingSecret(secretId: string, token: string, secretString: string) {
    this.calls.push(`putSecretValue ${secretId} ${token}`);
    const v = this.versions.get(token);
    if (v?.value !== undefined) {
      if (v.value !== secretString) {
        const e = new Error("You can't modify an existing version, you can only create a new version.");
        e.name = "ResourceExistsException";
        throw e;
      }
      return;
    }
    this.versions.set(token, { value: secretString, stages: v?.stages ?? new Set() });
    this.moveLabel("AWSPENDING", token);
  }

  async moveCurrent(secretId: string, to: string, from: string) {
    this.calls.push(`updateSecretVersionStage ${secretId} ${to} ${from}`);
    if (!this.versions.get(from)?.stages.has("AWSCURRENT")) throw new Error("InvalidParameterException: RemoveFromVersionId is not AWSCURRENT");
    this.moveLabel("AWSPREVIOUS", from);
    this.moveLabel("AWSCURRENT", to);
  }

  async randomPassword() {
    this.calls.push("getRandomPassword");
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return [...randomBytes(40)].map((b) => chars[b % chars.length]).join("");
  }
}
