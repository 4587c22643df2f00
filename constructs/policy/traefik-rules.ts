/**
 * A small evaluator for the subset of Traefik v3 router rules that routers in this project (and
 * most docker-label setups) use: Host, HostRegexp, Path, PathPrefix, PathRegexp, Method, Header,
 * negation, && and ||, and parentheses. Used by tests and the policy pack to answer "which router
 * serves this request?" instead of grepping rule strings.
 */
export type RuleExpr =
  | { readonly kind: "matcher"; readonly name: string; readonly args: string[] }
  | { readonly kind: "not"; readonly expr: RuleExpr }
  | { readonly kind: "and" | "or"; readonly left: RuleExpr; readonly right: RuleExpr };

export interface RuleRequest {
  readonly host: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

type Token = { t: "ident"; v: string } | { t: "str"; v: string } | { t: "op"; v: "(" | ")" | "," | "!" | "&&" | "||" };

function tokenize(rule: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i];
    if (/\s/.test(c)) i++;
    else if (c === "&" && rule[i + 1] === "&") (out.push({ t: "op", v: "&&" }), (i += 2));
    else if (c === "|" && rule[i + 1] === "|") (out.push({ t: "op", v: "||" }), (i += 2));
    else if ("(),!".includes(c)) (out.push({ t: "op", v: c as "(" | ")" | "," | "!" }), i++);
    else if (c === "`" || c === '"') {
      const end = rule.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string in rule: ${rule}`);
      out.push({ t: "str", v: rule.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < rule.length && /[A-Za-z0-9]/.test(rule[j])) j++;
      out.push({ t: "ident", v: rule.slice(i, j) });
      i = j;
    } else throw new Error(`unexpected "${c}" in rule: ${rule}`);
  }
  return out;
}

/** Parses a rule; throws on syntax it does not understand (callers treat that as "unknown"). */
export function parseRule(rule: string): RuleExpr {
  const toks = tokenize(rule);
  let pos = 0;
  const peek = () => toks[pos];
  const expectOp = (v: string) => {
    const t = toks[pos++];
    if (!t || t.t !== "op" || t.v !== v) throw new Error(`expected "${v}" in rule: ${rule}`);
  };
  const parseOr = (): RuleExpr => {
    let left = parseAnd();
    while (peek()?.t === "op" && peek()!.v === "||") {
      pos++;
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): RuleExpr => {
    let left = parseUnary();
    while (peek()?.t === "op" && peek()!.v === "&&") {
      pos++;
      left = { kind: "and", left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): RuleExpr => {
    const t = toks[pos++];
    if (!t) throw new Error(`unexpected end of rule: ${rule}`);
    if (t.t === "op" && t.v === "!") return { kind: "not", expr: parseUnary() };
    if (t.t === "op" && t.v === "(") {
      const e = parseOr();
      expectOp(")");
      return e;
    }
    if (t.t === "ident") {
      expectOp("(");
      const args: string[] = [];
      while (!(peek()?.t === "op" && peek()!.v === ")")) {
        const a = toks[pos++];
        if (!a || a.t !== "str") throw new Error(`expected a string argument in rule: ${rule}`);
        args.push(a.v);
        if (peek()?.t === "op" && peek()!.v === ",") pos++;
      }
      expectOp(")");
      return { kind: "matcher", name: t.v, args };
    }
    throw new Error(`unexpected token in rule: ${rule}`);
  };
  const e = parseOr();
  if (pos !== toks.length) throw new Error(`trailing tokens in rule: ${rule}`);
  return e;
}

/** Parses a rule, returning the parser's message instead of throwing (the rule is then "unknown"). */
export function tryParseRule(rule: string): { expr?: RuleExpr; parseError?: string } {
  try {
    return { expr: parseRule(rule) };
  } catch (e) {
    return { parseError: (e as Error).message };
  }
}

/** Evaluates a parsed rule against a request. Unknown matchers throw. */
export function ruleMatches(expr: RuleExpr, req: RuleRequest): boolean {
  switch (expr.kind) {
    case "not":
      return !ruleMatches(expr.expr, req);
    case "and":
      return ruleMatches(expr.left, req) && ruleMatches(expr.right, req);
    case "or":
      return ruleMatches(expr.left, req) || ruleMatches(expr.right, req);
    case "matcher": {
      const [a, b] = expr.args;
      switch (expr.name) {
        case "Host":
          return expr.args.some((h) => h.toLowerCase() === req.host.toLowerCase());
        case "HostRegexp":
          return new RegExp(a).test(req.host);
        case "Path":
          return expr.args.includes(req.path);
        case "PathPrefix":
          return expr.args.some((p) => req.path.startsWith(p));
        case "PathRegexp":
          return new RegExp(a).test(req.path);
        case "Method":
          return expr.args.includes(req.method ?? "GET");
        case "Header":
          return req.headers?.[a] === b;
        default:
          throw new Error(`unsupported matcher ${expr.name}`);
      }
    }
  }
}

/** Every literal path a rule mentions positively (not under a negation), e.g. for "/metrics" checks. */
export function positivePathLiterals(expr: RuleExpr, negated = false): string[] {
  switch (expr.kind) {
    case "not":
      return positivePathLiterals(expr.expr, !negated);
    case "and":
    case "or":
      return [...positivePathLiterals(expr.left, negated), ...positivePathLiterals(expr.right, negated)];
    case "matcher":
      return !negated && (expr.name === "Path" || expr.name === "PathPrefix") ? expr.args : [];
  }
}
