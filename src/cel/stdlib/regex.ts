// RE2 regular expressions (cel-go `matches`), compiled once per pattern via a module-level cache. RE2 (through
// @bufbuild/re2) validates every pattern and answers for any pattern; where regex-safe.ts proves a JS RegExp gives
// the same answers without super-linear backtracking, `test` runs on that instead (V8's irregexp is ~100× faster
// than the RE2 port on typical Kubernetes patterns). Invalid patterns raise a CelError carrying RE2's message
// (e.g. "error parsing regexp: missing closing ]").
import { RE2JS } from "@bufbuild/re2";
import { CelError } from "../values.js";
import { safeRegExp } from "./regex-safe.js";

/** A compiled RE2 pattern. */
export class CompiledRegex {
  constructor(
    readonly re2: RE2JS,
    /** The proven-safe JS equivalent (flag `u`), when there is one. */
    readonly js: RegExp | undefined,
  ) {}

  /** Whether the pattern matches anywhere in `s` (RE2 MatchString). */
  test(s: string): boolean {
    const js = this.js;
    if (js !== undefined) {
      try {
        return js.test(s);
      } catch {
        // irregexp's backtrack stack overflows on some multi-megabyte inputs: RE2 answers those
      }
    }
    return this.re2.test(s);
  }
}

const cache = new Map<string, CompiledRegex | CelError>();
const MAX_CACHE = 4096;

/** Compile (or fetch) an RE2 pattern; throws CelError when the pattern is invalid. */
export function compileRegex(pattern: string): CompiledRegex {
  let re = cache.get(pattern);
  if (re === undefined) {
    let re2: RE2JS | CelError;
    try {
      re2 = RE2JS.compile(pattern);
    } catch (e) {
      re2 = new CelError(e instanceof Error ? e.message : String(e));
    }
    // the fast path is analysed only once RE2 accepted the pattern
    re = re2 instanceof CelError ? re2 : new CompiledRegex(re2, safeRegExp(pattern));
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(pattern, re);
  }
  if (re instanceof CelError) throw new CelError(re.message);
  return re;
}
