import { Rule } from "../../rule";
import { displayName, eachResource, isAwsManagedKey } from "./helpers";

export const SqsQueueKey: Rule = {
  id: "ZT-AWS-SQS-001",
  level: "warning",
  appliesTo: "aws_",
  cause: "An SQS queue is not encrypted with a customer-managed KMS key",
  checkov: ["CKV_AWS_27"],
  explanation:
    "A dead-letter queue holds the events a function failed on (for the rotation function: which secret, which step). " +
    "Encrypt it with the customer key (kms_master_key_id) so reading it needs a key permission the key policy grants, " +
    "not only sqs:ReceiveMessage; SQS-managed SSE (sqs_managed_sse_enabled) or alias/aws/sqs gives no such control.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_sqs_queue", (q, key) => {
      if (!q.kms_master_key_id) return `queue ${displayName(q, key)} has no kms_master_key_id${q.sqs_managed_sse_enabled ? " (only SQS-managed SSE)" : ""}`;
      return isAwsManagedKey(q.kms_master_key_id) ? `queue ${displayName(q, key)} is on the AWS-managed key ${q.kms_master_key_id}` : undefined;
    }),
};
