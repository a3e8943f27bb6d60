// Kyverno-only CEL functions that are pure and small enough to be written in the API server's own CEL, so a
// ValidatingPolicy using them still converts exactly. Derived from Kyverno's CEL libraries (kyverno/kyverno
// pkg/cel/libs/*), not from our engine.
//
// parseServiceAccount(user) / user.parseServiceAccount(user) (pkg/cel/libs/user/impl.go): a username
// `system:serviceaccount:<rest>` whose rest holds a `:` gives {Namespace: rest before the first `:`, Name: rest after
// it}; any other string gives both empty. Written out for its two fields, read right at the call
// (`parseServiceAccount(x).Namespace`):
//   Namespace → `x.startsWith('system:serviceaccount:') && x.split(':').size() >= 4 ? x.split(':', 4)[2] : ''`
//   Name      → the same with `[3]` (`split(':', 4)` keeps every later `:` in the name).
// Any other use (the object as a whole, e.g. bound to a variable) is left in place for the caller to name as a
// Kyverno-only function.

const SA_PREFIX = "system:serviceaccount:";

/** A call of parseServiceAccount (optionally `user.`-prefixed), not as a field of some other value. */
const PARSE_SA = /(?<![\w.])(?:user\.)?parseServiceAccount\s*\(/g;

/** Index just past the `)` closing the `(` at `open`, skipping CEL string literals; -1 when unbalanced. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const triple = text.startsWith(c.repeat(3), i);
      const end = triple ? c.repeat(3) : c;
      let j = i + end.length;
      while (j < text.length && !text.startsWith(end, j)) j += text[j] === "\\" ? 2 : 1;
      if (j >= text.length) return -1;
      i = j + end.length - 1;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i + 1;
  }
  return -1;
}

/** A simple operand (identifiers, fields, indexes with literals) needs no parentheses. */
const simpleOperand = (s: string): boolean => /^[A-Za-z_][\w.]*$/.test(s);

/** The plain CEL of `parseServiceAccount(arg).<field>`. */
export function serviceAccountField(arg: string, field: "Name" | "Namespace"): string {
  const x = simpleOperand(arg) ? arg : `(${arg})`;
  const index = field === "Namespace" ? 2 : 3;
  return `(${x}.startsWith('${SA_PREFIX}') && ${x}.split(':').size() >= 4 ? ${x}.split(':', 4)[${index}] : '')`;
}

/**
 * CEL text with every `parseServiceAccount(arg).Name` / `.Namespace` written in plain CEL; other uses of the function
 * stay (see `usesKyvernoFunction`).
 */
export function lowerKyvernoCelFunctions(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(PARSE_SA)) {
    const start = m.index!;
    if (start < last) continue;
    const open = start + m[0].length - 1;
    const close = closingParen(text, open);
    if (close < 0) continue;
    const field = /^\s*\.\s*(Namespace|Name)(?![\w])/.exec(text.slice(close));
    if (!field) continue;
    const arg = text.slice(open + 1, close - 1).trim();
    out += text.slice(last, start) + serviceAccountField(lowerKyvernoCelFunctions(arg), field[1] as "Name" | "Namespace");
    last = close + field[0].length;
  }
  return out + text.slice(last);
}

/** A Kyverno-only CEL function left in the text after lowering (its name), if any. */
export function usesKyvernoFunction(text: string): string | undefined {
  return new RegExp(PARSE_SA.source).test(text) ? "parseServiceAccount" : undefined;
}
