/** Markdown helpers: table cells never break the table, code spans never break out. */

export function cell(s: unknown): string {
  return String(s ?? "").replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Inline code that survives backticks inside (Traefik rules are full of them). */
export function code(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence} ${cell(s)} ${fence}`;
}

export function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

/** `${aws_kms_key.Key_1234.arn}` → `aws_kms_key.Key_1234.arn`, for reading. */
export function unref(s: string): string {
  return s.replace(/\$\{([^}]+)\}/g, "$1");
}
