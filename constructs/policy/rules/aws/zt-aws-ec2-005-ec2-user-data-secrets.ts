import { gunzipSync } from "node:zlib";
import { isExpression, Rule } from "../../rule";
import { secretValueProblem } from "../../../common/secret-patterns";
import { eachResource, nameTagOr } from "./helpers";

/**
 * User data as the instance will see it: an instance's `user_data` as is, its `user_data_base64`
 * and a launch template's `user_data` (always base64 there) decoded, gunzipped when it is gzip.
 */
export function userDataText(body: Record<string, any>, type: string): string | undefined {
  if (type === "aws_instance" && typeof body.user_data === "string" && !isExpression(body.user_data)) return body.user_data;
  const b64 = type === "aws_instance" ? body.user_data_base64 : body.user_data;
  if (typeof b64 !== "string" || isExpression(b64)) return undefined;
  const bytes = Buffer.from(b64, "base64");
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString("utf8");
    } catch {
      return undefined;
    }
  }
  return bytes.toString("utf8");
}

export const Ec2UserDataSecrets: Rule = {
  id: "ZT-AWS-EC2-005",
  level: "error",
  appliesTo: "aws_",
  cause: "An instance's or launch template's user data contains a secret-looking value",
  checkov: ["CKV_AWS_46"],
  explanation:
    "User data is stored in the plan and the state, and anyone with ec2:DescribeInstanceAttribute (or on the host, any " +
    "process that reaches the metadata service) can read it. Keep only references in it (secret names, ARNs) and let the " +
    "host fetch values at boot with its role, as the secrets agent does.",
  evaluate: (_stack, ctx) =>
    ["aws_instance", "aws_launch_template"].flatMap((type) =>
      eachResource(ctx, type, (body, key) => {
        const text = userDataText(body, type);
        const problem = text === undefined ? undefined : secretValueProblem(text, "user data");
        return problem ? `${type === "aws_instance" ? "instance" : "launch template"} ${nameTagOr(body, key)}: ${problem}` : undefined;
      }),
    ),
};
