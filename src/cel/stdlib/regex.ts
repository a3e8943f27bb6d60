// RE2 regular expressions (cel-go `matches`) through @bufbuild/re2, compiled once per pattern via a module-level
// cache. Invalid patterns raise a CelError carrying RE2's message (e.g. "error parsing regexp: missing closing ]").
import { RE2JS } from "@bufbuild/re2";
import { CelError } from "../values.js";

const cache = new Map<string, RE2JS | CelError>();
const MAX_CACHE = 4096;

/** Compile (or fetch) an RE2 pattern; throws CelError when the pattern is invalid. */
export function compileRegex(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch (e) {
      re = new CelError(e instanceof Error ? e.message : String(e));
    }
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(pattern, re);
  }
  if (re instanceof CelError) throw new CelError(re.message);
  return re;
}
