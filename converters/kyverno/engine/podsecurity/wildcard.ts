// Wildcard helpers of Kyverno's ext/wildcard used by podSecurity excludes (matching itself: ../wildcard.ts).
import { wildcardMatch } from "../wildcard.js";

export { wildcardMatch };

/** wildcard.CheckPatterns(patterns, names...): some name matches some pattern. */
export function checkPatterns(patterns: readonly string[], ...names: string[]): boolean {
  return names.some((n) => patterns.some((p) => wildcardMatch(p, n)));
}
