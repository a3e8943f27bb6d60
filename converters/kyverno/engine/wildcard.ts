// Kyverno's wildcard matching (IGLOU-EU/go-wildcard v1.0.3 via ext/wildcard): `*` matches any run of characters
// (also empty), `?` exactly one character, everything else literally; the whole string must match. No character
// classes, no escapes.

/** Does `pattern` match the whole of `s`? */
export function wildcardMatch(pattern: string, s: string): boolean {
  if (pattern === "") return s === "";
  if (pattern === "*") return true;
  const p = [...pattern];
  const t = [...s];
  // iterative matching with backtracking to the last star
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = ti;
    } else if (pi < p.length && (p[pi] === "?" || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

/** Does the string contain a wildcard character? */
export const hasWildcard = (s: string): boolean => s.includes("*") || s.includes("?");
