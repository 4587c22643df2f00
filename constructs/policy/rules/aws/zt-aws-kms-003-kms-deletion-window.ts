import { Rule } from "../../rule";
import { eachResource } from "./helpers";

export const KmsDeletionWindow: Rule = {
  id: "ZT-AWS-KMS-003",
  level: "warning",
  appliesTo: "aws_",
  cause: "A KMS key can be deleted after less than 30 days",
  explanation:
    "Deleting a key makes everything it encrypted unreadable for good. The deletion window is the time to notice a mistaken " +
    "or malicious ScheduleKeyDeletion and cancel it; keep the maximum, 30 days (Terraform's default when unset).",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_kms_key", (k) =>
      typeof k.deletion_window_in_days === "number" && k.deletion_window_in_days < 30 ? `deletion_window_in_days is ${k.deletion_window_in_days}` : undefined,
    ),
};
