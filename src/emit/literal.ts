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
  if (Array.isArray(v)) return `[${v.map(celLiteral).join(", ")}]`;
  if ("double" in v && typeof v.double === "number" && Object.keys(v).length === 1) return celDouble(v.double);
  const entries = Object.entries(v as { [k: string]: Json });
  return `{${entries.map(([k, x]) => `${celString(k)}: ${celLiteral(x)}`).join(", ")}}`;
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
  let re = "^";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += re2Escape(ch);
  }
  return re + "$";
}
