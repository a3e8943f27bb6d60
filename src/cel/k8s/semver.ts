// Kubernetes semver library (apiserver pkg/cel/library/semverlib.go, SemverVersion(1), env 1.33): semver(s[,
// normalize]), isSemver(s[, normalize]), major, minor, patch, isGreaterThan, isLessThan, compareTo; equality is
// Version.EQ (build metadata ignored). Parsing ports blang/semver/v4 Parse with its error texts.
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, Opaque, type Value } from "../values.js";
import { KT, TypeNames, asBool, asOpaque, asString, compareStrings, global, goQuote, member, typeIdent } from "./common.js";

interface PRVersion {
  str: string;
  num: bigint;
  isNum: boolean;
}

export interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: PRVersion[];
  build: string[];
}

const NUMBERS = /^[0-9]*$/;
const ALPHANUM = /^[0-9A-Za-z-]*$/;
const U64_MAX = 2n ** 64n - 1n;
const hasLeadingZeroes = (s: string): boolean => s.length > 1 && s[0] === "0";

function parseUint(s: string): bigint {
  if (s === "" || !/^[0-9]+$/.test(s)) throw new CelError(`strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v > U64_MAX) throw new CelError(`strconv.ParseUint: parsing ${goQuote(s)}: value out of range`);
  return v;
}

function newPRVersion(s: string): PRVersion {
  if (s.length === 0) throw new CelError("Prerelease is empty");
  if (NUMBERS.test(s)) {
    if (hasLeadingZeroes(s)) throw new CelError(`Numeric PreRelease version must not contain leading zeroes ${goQuote(s)}`);
    return { str: "", num: parseUint(s), isNum: true };
  }
  if (ALPHANUM.test(s)) return { str: s, num: 0n, isNum: false };
  throw new CelError(`Invalid character(s) found in prerelease ${goQuote(s)}`);
}

/** blang/semver/v4 Parse. */
export function parseSemver(s: string): Version {
  if (s.length === 0) throw new CelError("Version string empty");
  const parts = splitN(s, ".", 3);
  if (parts.length !== 3) throw new CelError("No Major.Minor.Patch elements found");
  const [p0, p1] = parts as [string, string, string];
  if (!NUMBERS.test(p0)) throw new CelError(`Invalid character(s) found in major number ${goQuote(p0)}`);
  if (hasLeadingZeroes(p0)) throw new CelError(`Major number must not contain leading zeroes ${goQuote(p0)}`);
  const major = parseUint(p0);
  if (!NUMBERS.test(p1)) throw new CelError(`Invalid character(s) found in minor number ${goQuote(p1)}`);
  if (hasLeadingZeroes(p1)) throw new CelError(`Minor number must not contain leading zeroes ${goQuote(p1)}`);
  const minor = parseUint(p1);
  let patchStr = parts[2]!;
  let build: string[] = [];
  let prerelease: string[] = [];
  const bi = patchStr.indexOf("+");
  if (bi !== -1) {
    build = patchStr.slice(bi + 1).split(".");
    patchStr = patchStr.slice(0, bi);
  }
  const pi = patchStr.indexOf("-");
  if (pi !== -1) {
    prerelease = patchStr.slice(pi + 1).split(".");
    patchStr = patchStr.slice(0, pi);
  }
  if (!NUMBERS.test(patchStr)) throw new CelError(`Invalid character(s) found in patch number ${goQuote(patchStr)}`);
  if (hasLeadingZeroes(patchStr)) throw new CelError(`Patch number must not contain leading zeroes ${goQuote(patchStr)}`);
  const patch = parseUint(patchStr);
  const pre = prerelease.map(newPRVersion);
  for (const b of build) {
    if (b.length === 0) throw new CelError("Build meta data is empty");
    if (!ALPHANUM.test(b)) throw new CelError(`Invalid character(s) found in build meta data ${goQuote(b)}`);
  }
  return { major, minor, patch, pre, build };
}

function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  out.push(rest);
  return out;
}

/** normalizeAndParse of semverlib.go: strip "v", drop leading zeros, fill missing minor/patch. */
export function normalizeAndParse(s0: string): Version {
  const s = s0.startsWith("v") ? s0.slice(1) : s0;
  const parts = splitN(s, ".", 3).map((p) => {
    if (p.length > 1) {
      let q = p.replace(/^0+/, "");
      if (q.length === 0 || !"0123456789".includes(q[0]!)) q = "0" + q;
      return q;
    }
    return p;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1]!)) throw new CelError("short version cannot contain PreRelease/Build meta data");
    while (parts.length < 3) parts.push("0");
  }
  return parseSemver(parts.join("."));
}

const cmpBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function comparePR(a: PRVersion, b: PRVersion): number {
  if (a.isNum && !b.isNum) return -1;
  if (!a.isNum && b.isNum) return 1;
  if (a.isNum) return cmpBig(a.num, b.num);
  return compareStrings(a.str, b.str);
}

/** Version.Compare. */
export function compareSemver(v: Version, o: Version): number {
  for (const [a, b] of [
    [v.major, o.major],
    [v.minor, o.minor],
    [v.patch, o.patch],
  ] as const) {
    const c = cmpBig(a, b);
    if (c !== 0) return c;
  }
  if (v.pre.length === 0 && o.pre.length === 0) return 0;
  if (v.pre.length === 0) return 1;
  if (o.pre.length === 0) return -1;
  let i = 0;
  for (; i < v.pre.length && i < o.pre.length; i++) {
    const c = comparePR(v.pre[i]!, o.pre[i]!);
    if (c !== 0) return c;
  }
  if (i === v.pre.length && i === o.pre.length) return 0;
  return i === v.pre.length ? -1 : 1;
}

export class SemverValue extends Opaque {
  readonly typeName = TypeNames.semver;
  constructor(readonly version: Version) {
    super();
  }
  equals(other: Opaque): boolean {
    return other instanceof SemverValue && compareSemver(this.version, other.version) === 0;
  }
}

const V = (x: Value): Version => asOpaque(x, SemverValue).version;
const toInt = (u: bigint): bigint => BigInt.asIntN(64, u);

function toSemver(s: Value, normalize: Value = false): Value {
  const str = asString(s);
  return new SemverValue(asBool(normalize) ? normalizeAndParse(str) : parseSemver(str));
}

function isSemver(s: Value, normalize: Value = false): Value {
  try {
    toSemver(s, normalize);
    return true;
  } catch (e) {
    if (e instanceof CelError && e.message !== "no such overload") return false;
    throw e;
  }
}

export const semverLibrary: Library = {
  name: "kubernetes.Semver",
  since: "1.33",
  idents: [typeIdent(TypeNames.semver)],
  overloads: [
    global("string_to_semver", "semver", [T.string], KT.semver, (s) => toSemver(s!)),
    global("string_bool_to_semver", "semver", [T.string, T.bool], KT.semver, toSemver),
    global("is_semver_string", "isSemver", [T.string], T.bool, (s) => isSemver(s!)),
    global("is_semver_string_bool", "isSemver", [T.string, T.bool], T.bool, isSemver),
    member("semver_is_greater_than", "isGreaterThan", [KT.semver, KT.semver], T.bool, (a, b) => compareSemver(V(a), V(b)) === 1),
    member("semver_is_less_than", "isLessThan", [KT.semver, KT.semver], T.bool, (a, b) => compareSemver(V(a), V(b)) === -1),
    member("semver_compare_to", "compareTo", [KT.semver, KT.semver], T.int, (a, b) => BigInt(compareSemver(V(a), V(b)))),
    member("semver_major", "major", [KT.semver], T.int, (v) => toInt(V(v).major)),
    member("semver_minor", "minor", [KT.semver], T.int, (v) => toInt(V(v).minor)),
    member("semver_patch", "patch", [KT.semver], T.int, (v) => toInt(V(v).patch)),
  ],
};
