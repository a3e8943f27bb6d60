// Code point counts the interpreter already knows. A string concatenation chain counts its result exactly as it
// builds it (interp-calls.ts); a long result is remembered here, so a cost rule measuring that same string next (the
// Kubernetes `join` rule on its result, the next concatenation) does not scan it again. Two entries, compared by
// content (an identical object first): a hit is the count of an equal string, hence exact.

let a = "";
let aSize = 0;
let b = "";
let bSize = 0;

/** Remember the code point count of `s` (only long strings are worth it). */
export function rememberCodePoints(s: string, size: number): void {
  if (s === a) return;
  b = a;
  bSize = aSize;
  a = s;
  aSize = size;
}

/** The remembered code point count of `s`, if it is one of the last two remembered strings. */
export function knownCodePoints(s: string): number | undefined {
  if (s.length !== a.length && s.length !== b.length) return undefined;
  if (s === a) return aSize;
  if (s === b) return bSize;
  return undefined;
}
