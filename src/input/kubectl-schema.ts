// The plain-scalar resolution kubectl applies to YAML: sigs.k8s.io/yaml decodes with go-yaml v2 (YAML 1.1), so
// `yes`/`on`/`y` are booleans, `0755` is octal, `1_000` is an int and `0b101` binary. Given to the `yaml` package as
// custom tags in place of the core schema's bool/int/float (null is the same in both). Rules from go-yaml v2.4
// resolve.go: exact words for bool/null/.inf/.nan; a leading digit or sign → strconv.ParseInt(s without `_`, base 0),
// else ParseUint, else a YAML-style float; a leading `.` → ParseFloat; everything else is a string.
import type { ScalarTag, Tags } from "yaml";

type Resolved = { kind: "bool"; value: boolean } | { kind: "int" | "float"; value: number } | { kind: "str" };

const BOOLS = new Map<string, boolean>([
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s) => [s, true] as const),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((s) => [s, false] as const),
]);

const SPECIAL_FLOATS = new Map<string, number>([
  ...[".nan", ".NaN", ".NAN"].map((s) => [s, Number.NaN] as const),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...["-.inf", "-.Inf", "-.INF"].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseUint(s, 0, 64) digits after the sign: 0x / 0o / 0b prefixes, a leading 0 for octal. */
function parseGoUnsigned(s: string): bigint | undefined {
  const m = /^(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*))$/.exec(s);
  if (!m) return undefined;
  if (m[1] !== undefined) return BigInt(`0x${m[1]}`);
  if (m[2] !== undefined) return BigInt(`0o${m[2]}`);
  if (m[3] !== undefined) return BigInt(`0b${m[3]}`);
  if (m[4] !== undefined) return m[4] === "" ? 0n : BigInt(`0o${m[4]}`);
  return BigInt(m[5]!);
}

/** Go's strconv.ParseInt(s, 0, 64) (signed), undefined when it fails. */
function parseGoInt(s: string): bigint | undefined {
  const sign = s[0] === "-" ? -1n : 1n;
  const u = parseGoUnsigned(s[0] === "-" || s[0] === "+" ? s.slice(1) : s);
  if (u === undefined) return undefined;
  const v = sign * u;
  return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
}

/** How go-yaml v2 resolves an untagged plain scalar (null is left to the core schema: the same words). */
export function resolveKubectlScalar(src: string): Resolved {
  const b = BOOLS.get(src);
  if (b !== undefined) return { kind: "bool", value: b };
  const special = SPECIAL_FLOATS.get(src);
  if (special !== undefined) return { kind: "float", value: special };
  const c = src[0];
  if (c === ".") {
    const v = Number(src);
    return DOT_FLOAT.test(src) && Number.isFinite(v) ? { kind: "float", value: v } : { kind: "str" };
  }
  if (c === undefined || !/[-+0-9]/.test(c)) return { kind: "str" };
  const plain = src.replace(/_/g, "");
  const i = parseGoInt(plain);
  if (i !== undefined) return { kind: "int", value: Number(i) };
  const u = /^[+-]/.test(plain) ? undefined : parseGoUnsigned(plain);
  if (u !== undefined && u <= UINT64_MAX) return { kind: "int", value: Number(u) };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const v = Number(plain);
    if (Number.isFinite(v)) return { kind: "float", value: v };
  }
  // go-yaml's explicit `-0b…` (ParseInt base 0 already took `0b…`)
  if (plain.startsWith("-0b")) {
    const n = parseGoInt(`-0b${plain.slice(3)}`);
    if (n !== undefined) return { kind: "int", value: Number(n) };
  }
  return { kind: "str" };
}

/** A `test` for the yaml package: it only calls `.test(source)`. */
const tester = (kind: Resolved["kind"]): RegExp => ({ test: (s: string) => resolveKubectlScalar(s).kind === kind }) as unknown as RegExp;

const value = (s: string): unknown => {
  const r = resolveKubectlScalar(s);
  return r.kind === "str" ? s : r.value;
};

const KUBECTL_TAGS: ScalarTag[] = [
  { identify: (v) => typeof v === "boolean", default: true, tag: "tag:yaml.org,2002:bool", test: tester("bool"), resolve: value },
  { identify: (v) => typeof v === "number" && Number.isInteger(v), default: true, tag: "tag:yaml.org,2002:int", test: tester("int"), resolve: value },
  { identify: (v) => typeof v === "number", default: true, tag: "tag:yaml.org,2002:float", test: tester("float"), resolve: value },
];

const REPLACED = new Set(KUBECTL_TAGS.map((t) => t.tag));

/** `customTags` for the yaml package: the core schema with go-yaml v2's bool/int/float resolution. */
export function kubectlTags(core: Tags): Tags {
  return [...KUBECTL_TAGS, ...core.filter((t) => typeof t === "string" || !REPLACED.has(t.tag))];
}
