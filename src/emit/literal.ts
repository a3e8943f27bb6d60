// CEL literal and identifier text: string quoting, JSON → CEL literal (int64 integers, doubles with a point),
// identifier safety (reserved words) and RE2 escaping of literal text. Pure, deterministic.
import type { Json } from "../ir/model.js";

/** Words that cannot be used as CEL identifiers (language keywords + reserved words). */
export const CEL_RESERVED = new Set([
  "true", "false", "null", "in",
  "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
  "namespace", "return", "var", "void", "while",
]);

/** True when `name` can be written after a dot (`x.name`) and as an identifier. */
export function isSafeIdent(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !CEL_RESERVED.has(name);
}

/** Single-quoted CEL string literal. */
export function celString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + "'";
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Double literal text that CEL parses as a double (always has `.` or an exponent). */
export function celDouble(n: number): string {
  if (!Number.isFinite(n)) {
    return n > 0 ? "double('Infinity')" : n < 0 ? "double('-Infinity')" : "double('NaN')";
  }
  const s = String(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** CEL literal for a JSON value: integral numbers are int64, others double; maps keep key order as given. */
export function celLiteral(v: Json): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return celString(v);
  if (typeof v === "number") {
    if (Number.isInteger(v)) {
      const b = BigInt(v);
      if (b >= INT64_MIN && b <= INT64_MAX) return b.toString();
    }
    return celDouble(v);
  }
  if (Array.isArray(v)) {
    const dyn = !homogeneous(v);
    return `[${v.map((x) => element(x, dyn)).join(", ")}]`;
  }
  if ("double" in v && typeof v.double === "number" && Object.keys(v).length === 1) return celDouble(v.double);
  const entries = Object.entries(v as { [k: string]: Json });
  const dyn = !homogeneous(entries.map(([, x]) => x));
  return `{${entries.map(([k, x]) => `${celString(k)}: ${element(x, dyn)}`).join(", ")}}`;
}

/** Kubernetes compiles with homogeneous aggregate literals: elements of mixed types are wrapped in dyn(). */
const element = (x: Json, dyn: boolean): string => (dyn ? `dyn(${celLiteral(x)})` : celLiteral(x));

/** CEL type of a JSON literal, `*` where an empty list or map leaves it open. */
function typeOf(v: Json): string {
  if (Array.isArray(v)) return v.length && homogeneous(v) ? `list(${typeOf(v[0]!)})` : v.length ? "list(dyn)" : "list(*)";
  if (v !== null && typeof v === "object" && !("double" in v && Object.keys(v).length === 1)) {
    const xs = Object.values(v);
    return xs.length && homogeneous(xs) ? `map(${typeOf(xs[0]!)})` : xs.length ? "map(dyn)" : "map(*)";
  }
  return literalKind(v);
}

/** All elements have one CEL type (open types such as `list(*)` agree with any list). */
function homogeneous(xs: readonly Json[]): boolean {
  const types = xs.map(typeOf);
  const agree = (a: string, b: string): boolean => a === b || (a.endsWith("(*)") && b.startsWith(a.slice(0, -3))) || (b.endsWith("(*)") && a.startsWith(b.slice(0, -3)));
  return types.every((t) => agree(t, types[0]!));
}

/** CEL static "kind" of a JSON literal, used to keep list literals homogeneous. */
export function literalKind(v: Json): string {
  if (v === null) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "double";
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return "double" in v && Object.keys(v).length === 1 ? "double" : "map";
  return typeof v;
}

/** Escape RE2 metacharacters so `s` matches literally. */
export function re2Escape(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, (m) => `\\${m}`);
}

/** Anchored RE2 for a glob (`*` any run, `?` one character). */
export function globToRe2(glob: string): string {
  // (?s): a wildcard matches any character, newlines included (as Go's wildcard matching does)
  let re = "(?s)^";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += re2Escape(ch);
  }
  return re + "$";
}
