// Semantic version builtins (OPA v1/topdown/semver.go over its fork of coreos/go-semver): semver.is_valid and
// semver.compare (-1, 0, 1; pre-releases sort before releases, numeric identifiers before alphanumeric ones).
import type { Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { fail, goQuote, str } from "./util.js";

interface Version {
  nums: [bigint, bigint, bigint];
  pre: string;
}

const IDENTIFIER = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;

function splitOff(input: { s: string }, delim: string): string {
  const at = input.s.indexOf(delim);
  if (at < 0) return "";
  const val = input.s.slice(at + delim.length);
  input.s = input.s.slice(0, at);
  return val;
}

/** go-semver's Version.Set; undefined when invalid. */
export function parseSemver(version: string): Version | undefined {
  const input = { s: version };
  const metadata = splitOff(input, "+");
  const pre = splitOff(input, "-");
  const dot = input.s.split(".");
  if (dot.length < 3) return undefined;
  const parts = [dot[0]!, dot[1]!, dot.slice(2).join(".")];
  if (pre !== "" && !IDENTIFIER.test(pre)) return undefined;
  if (metadata !== "" && !IDENTIFIER.test(metadata)) return undefined;
  const nums: bigint[] = [];
  for (const p of parts) {
    if (!/^[+-]?[0-9]+$/.test(p)) return undefined; // strconv.ParseInt(p, 10, 64)
    const n = BigInt(p);
    if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return undefined;
    nums.push(n);
  }
  return { nums: nums as [bigint, bigint, bigint], pre };
}

function atoi(s: string): bigint | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? BigInt(s) : undefined;
}

function comparePre(a: string[], b: string[]): number {
  if (a.length === 0) return b.length > 0 ? -1 : 0;
  if (b.length === 0) return 1;
  const ai = atoi(a[0]!);
  const bi = atoi(b[0]!);
  if (ai !== undefined && bi === undefined) return -1;
  if (ai === undefined && bi !== undefined) return 1;
  if (ai !== undefined && bi !== undefined) {
    if (ai > bi) return 1;
    if (ai < bi) return -1;
  }
  if (a[0]! > b[0]!) return 1;
  if (a[0]! < b[0]!) return -1;
  return comparePre(a.slice(1), b.slice(1));
}

export function compareSemver(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a.nums[i]! > b.nums[i]!) return 1;
    if (a.nums[i]! < b.nums[i]!) return -1;
  }
  if (a.pre === "" && b.pre !== "") return 1;
  if (b.pre === "" && a.pre !== "") return -1;
  return comparePre(a.pre === "" ? [] : a.pre.split("."), b.pre === "" ? [] : b.pre.split("."));
}

function operand(v: Value, pos: number): Version {
  const s = str(v, pos);
  const parsed = parseSemver(s);
  if (parsed === undefined) throw fail(`operand ${pos}: string ${goQuote(s)} is not a valid SemVer`);
  return parsed;
}

export const SEMVER: BuiltinDef[] = [
  ["semver.is_valid", 1, ([v]) => typeof v === "string" && parseSemver(v) !== undefined],
  [
    "semver.compare",
    2,
    ([a, b]) => {
      const x = operand(a!, 1);
      const y = operand(b!, 2);
      return compareSemver(x, y);
    },
  ],
];
