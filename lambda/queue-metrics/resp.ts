/*
 * The smallest RESP2 client the queue-metrics function needs: AUTH and LLEN over TLS, one
 * command at a time. No dependency, so the bundle stays a few KB and has nothing to patch.
 */

/** A command as RESP: an array of bulk strings. */
export function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

export type RespReply = { readonly kind: "ok" | "error"; readonly text: string } | { readonly kind: "integer"; readonly value: number };

/** Parses one simple-string, error or integer reply from the start of `buf`; undefined until it is complete. */
export function parseReply(buf: string): { reply: RespReply; rest: string } | undefined {
  const end = buf.indexOf("\r\n");
  if (end < 0) return undefined;
  const line = buf.slice(1, end);
  const rest = buf.slice(end + 2);
  switch (buf[0]) {
    case "+":
      return { reply: { kind: "ok", text: line }, rest };
    case "-":
      return { reply: { kind: "error", text: line }, rest };
    case ":":
      return { reply: { kind: "integer", value: Number(line) }, rest };
    default:
      throw new Error(`unexpected reply type ${JSON.stringify(buf[0])}`);
  }
}
