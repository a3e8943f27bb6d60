// .gitignore patterns as git reads them (gitignore(5)): blank lines and `#` comments skipped, `!` re-includes, a
// trailing `/` matches directories only, a pattern with a `/` before its end is anchored to its file's directory,
// `*` `?` `[…]` do not cross `/`, `**/`, `/**` and `/**/` span directories, `\` escapes. Pure: text in, matcher out.

export interface IgnoreRule {
  regex: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

/** A bracket expression `[…]` starting at `i` as a RegExp class, and the index after it (undefined: not a class). */
function bracket(p: string, i: number): { cls: string; end: number } | undefined {
  let j = i + 1;
  let negate = false;
  if (p[j] === "!" || p[j] === "^") {
    negate = true;
    j++;
  }
  let body = "";
  if (p[j] === "]") {
    body += "\\]";
    j++;
  }
  for (; j < p.length && p[j] !== "]"; j++) {
    const ch = p[j]!;
    if (ch === "\\" && j + 1 < p.length) body += "\\" + p[++j];
    else body += ch === "[" || ch === "^" ? "\\" + ch : ch;
  }
  if (j >= p.length) return undefined;
  return { cls: `[${negate ? "^" : ""}${body}]`, end: j + 1 };
}

/** The glob body (no leading `!`, no trailing `/`) as a regex source matching a whole `/`-separated path. */
function globSource(p: string): string {
  let out = "";
  for (let i = 0; i < p.length; ) {
    if (p.startsWith("**/", i) && (i === 0 || p[i - 1] === "/")) {
      out += "(?:.*/)?";
      i += 3;
    } else if (p.startsWith("/**", i) && i + 3 === p.length) {
      out += "/.*";
      i += 3;
    } else if (p.startsWith("**", i) && (i === 0 || p[i - 1] === "/") && i + 2 === p.length) {
      out += ".*";
      i += 2;
    } else if (p[i] === "*") {
      out += "[^/]*";
      i++;
    } else if (p[i] === "?") {
      out += "[^/]";
      i++;
    } else if (p[i] === "[") {
      const b = bracket(p, i);
      if (b) {
        out += b.cls;
        i = b.end;
      } else {
        out += "\\[";
        i++;
      }
    } else if (p[i] === "\\" && i + 1 < p.length) {
      out += p[i + 1]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      i += 2;
    } else {
      out += p[i]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      i++;
    }
  }
  return out;
}

/** One .gitignore line as a rule, or undefined for blanks and comments. */
export function parseIgnoreLine(line: string): IgnoreRule | undefined {
  let p = line.replace(/\r$/, "");
  // trailing spaces are ignored unless escaped
  p = p.replace(/(?<!\\)\s+$/, "");
  if (!p || p.startsWith("#")) return undefined;
  let negate = false;
  if (p.startsWith("!")) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith("\\!") || p.startsWith("\\#")) p = p.slice(1);
  let dirOnly = false;
  if (p.endsWith("/") && !p.endsWith("\\/")) {
    dirOnly = true;
    p = p.slice(0, -1);
  }
  if (!p) return undefined;
  const anchored = p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  const body = globSource(p);
  return { regex: new RegExp(`^${anchored ? "" : "(?:.*/)?"}${body}$`), negate, dirOnly };
}

export function parseIgnoreFile(text: string): IgnoreRule[] {
  return text.split("\n").flatMap((l) => parseIgnoreLine(l) ?? []);
}

/**
 * The verdict of one .gitignore's rules for a path relative to that file's directory: true (ignored), false
 * (re-included by a `!` rule) or undefined (no rule matched). The last matching rule wins.
 */
export function ignoreVerdict(rules: readonly IgnoreRule[], relPath: string, isDir: boolean): boolean | undefined {
  let verdict: boolean | undefined;
  for (const r of rules) {
    if (r.dirOnly && !isDir) continue;
    if (r.regex.test(relPath)) verdict = !r.negate;
  }
  return verdict;
}
