// Tests for the CEL type checker (src/cel/checker.ts + src/cel/check-validators.ts):
//  1. table of accept/reject cases against a small local declaration set (cel-go standard signatures), so the
//     checker is tested on its own, independent of the standard library;
//  2. the cel-go checker table shipped in @bufbuild/cel-spec (cases needing only primitives/lists/maps/dyn);
//  3. the full Kubernetes environment (stdLibraries + k8sLibraries) incl. the self-contained rows of
//     corpus/k8s-cel/cases.tsv (skipped with a notice when the corpus is absent).
// Expressions are parsed with src/cel/parser.ts.
import fs from "node:fs";
import { tests as checkingSuite } from "@bufbuild/cel-spec/testdata/checking.js";
import { describe, expect, it } from "vitest";
import type { Expr } from "../src/cel/ast.js";
import { check, type CheckResult } from "../src/cel/checker.js";
import { buildEnv, resolveNamespaces, type Env } from "../src/cel/env.js";
import { k8sLibraries } from "../src/cel/k8s/index.js";
import { parse } from "../src/cel/parser.js";
import type { Library, Overload } from "../src/cel/registry.js";
import { stdLibraries } from "../src/cel/stdlib/index.js";
import { T, typeToString, type CelType, type ObjectSchemas } from "../src/cel/types.js";
import { CelError, CelTypeValue, Duration, Timestamp } from "../src/cel/values.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

function checkSrc(env: Env, src: string, opts?: { validators?: boolean }): CheckResult {
  const parsed = parse(src);
  return check({ source: src, expr: resolveNamespaces(parsed.expr, env) }, env, opts);
}

// ---------------------------------------------------------------------------------------------------------------
// A local declaration set with cel-go's standard signatures (no implementations except the literal validators')

const A = T.param("A");
const B = T.param("B");
const K = T.param("K");
const V = T.param("V");
let seq = 0;
const g = (name: string, params: CelType[], result: CelType, impl?: Overload["impl"]): Overload => ({
  id: `${name}_${seq++}`,
  name,
  member: false,
  params,
  result,
  ...(impl ? { impl } : {}),
});
const mb = (name: string, params: CelType[], result: CelType): Overload => ({ id: `${name}_m${seq++}`, name, member: true, params, result });

function localStd(crossNumeric: boolean): Library {
  const ov: Overload[] = [];
  const nums = [T.int, T.uint, T.double];
  const ordered = [T.bool, T.int, T.uint, T.double, T.string, T.bytes, T.timestamp, T.duration];
  for (const op of ["_<_", "_<=_", "_>_", "_>=_"]) {
    for (const t of ordered) ov.push(g(op, [t, t], T.bool));
    if (crossNumeric) for (const a of nums) for (const b of nums) if (a !== b) ov.push(g(op, [a, b], T.bool));
  }
  for (const op of ["_==_", "_!=_"]) ov.push(g(op, [A, A], T.bool));
  for (const t of [...nums, T.string, T.bytes]) ov.push(g("_+_", [t, t], t));
  ov.push(g("_+_", [T.list(A), T.list(A)], T.list(A)), g("_+_", [T.timestamp, T.duration], T.timestamp));
  ov.push(g("_+_", [T.duration, T.timestamp], T.timestamp), g("_+_", [T.duration, T.duration], T.duration));
  for (const t of nums) ov.push(g("_-_", [t, t], t), g("_*_", [t, t], t), g("_/_", [t, t], t));
  ov.push(g("_-_", [T.timestamp, T.timestamp], T.duration), g("_-_", [T.timestamp, T.duration], T.timestamp));
  ov.push(g("_%_", [T.int, T.int], T.int), g("_%_", [T.uint, T.uint], T.uint), g("-_", [T.int], T.int), g("-_", [T.double], T.double));
  ov.push(g("!_", [T.bool], T.bool), g("_&&_", [T.bool, T.bool], T.bool), g("_||_", [T.bool, T.bool], T.bool));
  ov.push(g("_?_:_", [T.bool, A, A], A), g("@not_strictly_false", [T.bool], T.bool));
  ov.push(g("_[_]", [T.list(A), T.int], A), g("_[_]", [T.map(K, V), K], V));
  ov.push(g("@in", [A, T.list(A)], T.bool), g("@in", [A, T.map(A, B)], T.bool));
  for (const t of [T.string, T.bytes, T.list(A), T.map(K, V)]) ov.push(g("size", [t], T.int), mb("size", [t], T.int));
  ov.push(g("type", [A], T.type(A)), g("dyn", [A], T.dyn));
  for (const t of [T.int, T.uint, T.double, T.string, T.timestamp]) ov.push(g("int", [t], T.int));
  for (const t of [T.int, T.uint, T.double, T.string]) ov.push(g("uint", [t], T.uint), g("double", [t], T.double));
  for (const t of [T.int, T.uint, T.double, T.string, T.bytes, T.bool, T.timestamp, T.duration]) ov.push(g("string", [t], T.string));
  ov.push(g("bytes", [T.bytes], T.bytes), g("bytes", [T.string], T.bytes), g("bool", [T.bool], T.bool), g("bool", [T.string], T.bool));
  ov.push(
    g("timestamp", [T.string], T.timestamp, (s) => {
      if (typeof s !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s)) throw new CelError("bad timestamp");
      return new Timestamp(0n);
    }),
    g("timestamp", [T.int], T.timestamp),
    g("duration", [T.string], T.duration, (s) => {
      if (typeof s !== "string" || !/^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^0$/.test(s)) throw new CelError("bad duration");
      return new Duration(0n);
    }),
  );
  for (const f of ["contains", "startsWith", "endsWith", "matches"]) ov.push(mb(f, [T.string, T.string], T.bool));
  ov.push(g("matches", [T.string, T.string], T.bool), mb("find", [T.string, T.string], T.string), mb("findAll", [T.string, T.string], T.list(T.string)));
  ov.push(mb("format", [T.string, T.list(T.dyn)], T.string), g("sets.contains", [T.list(A), T.list(A)], T.bool));
  ov.push(g("optional.of", [A], T.optional(A)), g("optional.none", [], T.optional(T.dyn)), mb("orValue", [T.optional(A), A], A));
  ov.push(mb("hasValue", [T.optional(A)], T.bool), g("_[?_]", [T.list(A), T.int], T.optional(A)), g("_[?_]", [T.map(K, V), K], T.optional(V)));
  ov.push(g("_[_]", [T.optional(T.list(A)), T.int], T.optional(A)), g("_[_]", [T.optional(T.map(K, V)), K], T.optional(V)));
  ov.push(g("quantity", [T.string], T.opaque("kubernetes.Quantity")), mb("isGreaterThan", [T.opaque("kubernetes.Quantity"), T.opaque("kubernetes.Quantity")], T.bool));
  const tv = (name: string, t: CelType) => ({ name, type: T.type(t), value: new CelTypeValue(name) });
  return {
    name: "local-std",
    overloads: ov,
    idents: [
      tv("int", T.int),
      tv("uint", T.uint),
      tv("double", T.double),
      tv("bool", T.bool),
      tv("string", T.string),
      tv("bytes", T.bytes),
      tv("list", T.list(T.dyn)),
      tv("map", T.map(T.dyn, T.dyn)),
      tv("null_type", T.null),
      { name: "type", type: T.type(T.type(T.dyn)), value: new CelTypeValue("type") },
    ],
  };
}

const schemas: ObjectSchemas = new Map<string, ReadonlyMap<string, CelType>>([
  [
    "kubernetes.AdmissionRequest",
    new Map<string, CelType>([
      ["name", T.string],
      ["operation", T.string],
      ["dryRun", T.bool],
      ["userInfo", T.object("kubernetes.UserInfo")],
      ["options", T.dyn],
    ]),
  ],
  ["kubernetes.UserInfo", new Map<string, CelType>([["username", T.string], ["groups", T.list(T.string)], ["extra", T.map(T.string, T.list(T.string))]])],
  ["Object", new Map()],
  ["JSONPatch", new Map<string, CelType>([["op", T.string], ["path", T.string], ["from", T.string], ["value", T.dyn]])],
]);

const localVars: Record<string, CelType> = {
  object: T.dyn,
  oldObject: T.dyn,
  params: T.dyn,
  request: T.object("kubernetes.AdmissionRequest"),
  labels: T.map(T.string, T.string),
  names: T.list(T.string),
  maybe: T.optional(T.string),
  q: T.opaque("kubernetes.Quantity"),
};

const localEnv = (version = "1.36"): Env =>
  buildEnv({ version, libraries: [localStd(versionAtLeast(version, "1.28"))], vars: localVars, objectSchemas: schemas });

function versionAtLeast(v: string, min: string): boolean {
  const [a, b] = v.split(".").map(Number);
  const [c, d] = min.split(".").map(Number);
  return a! > c! || (a === c && b! >= d!);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Local table

interface Row {
  expr: string;
  /** Expected result type (typeToString) when accepted. */
  type?: string;
  /** The one error message when rejected (cel-go's text). */
  error?: string;
  /** Why our checker's text differs from cel-go's (a known bug: the row is expected to fail until it is fixed). */
  divergence?: string;
  version?: string;
}

/** cel-go's FormatCelType prints the null type as `null` (also duration/timestamp as `duration`/`timestamp`) in
 * checker messages; src/cel/checker.ts prints `null_type` (and google.protobuf.Duration/Timestamp). */
const NULL_NAME = "checker messages print null_type, cel-go prints null";

const rows: Row[] = [
  // literals and operators
  { expr: "1 + 2", type: "int" },
  { expr: "1u + 2u", type: "uint" },
  { expr: "'a' + 'b'", type: "string" },
  { expr: "1 + 2.0", error: "found no matching overload for '_+_' applied to '(int, double)'" },
  { expr: "1 == 1.0", error: "found no matching overload for '_==_' applied to '(int, double)'" },
  { expr: "1 != 'a'", error: "found no matching overload for '_!=_' applied to '(int, string)'" },
  { expr: "dyn(1) == 1.0", type: "bool" },
  { expr: "object.x == 1.0", type: "bool" },
  { expr: "object.spec.replicas > 2.5", type: "bool" },
  { expr: "1 < 2.0", type: "bool" },
  { expr: "1 < 2.0", version: "1.27", error: "found no matching overload for '_<_' applied to '(int, double)'" },
  { expr: "null == null", type: "bool" },
  { expr: "1 == null", error: "found no matching overload for '_==_' applied to '(int, null)'", divergence: NULL_NAME },
  { expr: "q == null", type: "bool" },
  { expr: "request == null", type: "bool" },
  { expr: "[1] == null", error: "found no matching overload for '_==_' applied to '(list(int), null)'", divergence: NULL_NAME },
  { expr: "!1", error: "found no matching overload for '!_' applied to '(int)'" },
  { expr: "1 && true", error: "expected type 'bool' but found 'int'" },
  { expr: "object.a && object.b || !object.c", type: "bool" },
  { expr: "true ? 1 : 2", type: "int" },
  { expr: "true ? 1 : 'a'", error: "found no matching overload for '_?_:_' applied to '(bool, int, string)'" },
  { expr: "true ? 1 : object.x", type: "dyn" },
  { expr: "1 ? 1 : 2", error: "found no matching overload for '_?_:_' applied to '(int, int, int)'" },
  // identifiers and functions
  { expr: "foo", error: "undeclared reference to 'foo' (in container '')" },
  { expr: "false && foo(1)", error: "undeclared reference to 'foo' (in container '')" },
  { expr: "'a'.foo()", error: "undeclared reference to 'foo' (in container '')" },
  { expr: "size(1)", error: "found no matching overload for 'size' applied to '(int)'" },
  { expr: "(1).contains('a')", error: "found no matching overload for 'contains' applied to 'int.(string)'" },
  { expr: "'abc'.contains('a')", type: "bool" },
  { expr: "contains('abc', 'a')", error: "found no matching overload for 'contains' applied to '(string, string)'" },
  { expr: "size(names) + names.size()", type: "int" },
  { expr: "type(1) == int", type: "bool" },
  { expr: "int == type(1u)", type: "bool" },
  { expr: "sets.contains([1], [2])", type: "bool" },
  { expr: "sets.contains([1], ['a'])", error: "found no matching overload for 'sets.contains' applied to '(list(int), list(string))'" },
  // selection, typed objects
  { expr: "request.name", type: "string" },
  { expr: "request.userInfo.groups", type: "list(string)" },
  { expr: "request.userInfo.extra['a']", type: "list(string)" },
  { expr: "request.nope", error: "undefined field 'nope'" },
  { expr: "request.userInfo.nope == 'a'", error: "undefined field 'nope'" },
  { expr: "has(request.name)", type: "bool" },
  { expr: "has(request.bogus)", error: "undefined field 'bogus'" },
  { expr: "request.name == 1", error: "found no matching overload for '_==_' applied to '(string, int)'" },
  { expr: "request.options.anything", type: "dyn" },
  { expr: "labels.app", type: "string" },
  { expr: "labels['app'] + 'x'", type: "string" },
  { expr: "labels[1]", error: "found no matching overload for '_[_]' applied to '(map(string, string), int)'" },
  { expr: "names[0]", type: "string" },
  { expr: "names['a']", error: "found no matching overload for '_[_]' applied to '(list(string), string)'" },
  { expr: "'abc'.x", error: "type 'string' does not support field selection" },
  { expr: "has('abc'.x)", error: "type 'string' does not support field selection" },
  { expr: "[].length", error: "type 'list(_var0)' does not support field selection" },
  { expr: "object.a.b.c", type: "dyn" },
  // aggregates (HomogeneousAggregateLiterals validator)
  { expr: "[1, 2]", type: "list(int)" },
  { expr: "[]", type: "list(dyn)" },
  { expr: "{}", type: "map(dyn, dyn)" },
  { expr: "[] + [1]", type: "list(int)" },
  { expr: "[1, 'a']", error: "expected type 'int' but found 'string'" },
  { expr: "[1, object.x]", error: "expected type 'int' but found 'dyn'" },
  { expr: "[object.x, object.y]", type: "list(dyn)" },
  { expr: "[[1], []]", type: "list(list(int))" },
  { expr: "{'a': 1, 'b': 'c'}", error: "expected type 'int' but found 'string'" },
  { expr: "{'a': 1, 2: 3}", error: "expected type 'string' but found 'int'" },
  { expr: "{'a': 1}.a", type: "int" },
  { expr: "'%s %d'.format(['a', 1])", type: "string" },
  { expr: "[1, 2u] + []", error: "expected type 'int' but found 'uint'" },
  // comprehensions
  { expr: "names.all(n, n.startsWith('a'))", type: "bool" },
  { expr: "names.exists(n, n > 1)", error: "found no matching overload for '_>_' applied to '(string, int)'" },
  { expr: "names.map(n, size(n))", type: "list(int)" },
  { expr: "labels.filter(k, k.startsWith('a'))", type: "list(string)" },
  { expr: "object.items.all(i, i.x > 1)", type: "bool" },
  { expr: "names.exists(n, n == 'a') && n == 'b'", error: "undeclared reference to 'n' (in container '')" },
  { expr: "(1).all(x, x > 0)", error: "expression of type 'int' cannot be range of a comprehension (must be list, map, or dynamic)" },
  { expr: "names.all(n, 1)", error: "expected type 'bool' but found 'int'" },
  { expr: "[1].map(x, [x, x]).map(x, [x, x])", type: "list(list(list(int)))" },
  { expr: "[].map(x, [].map(y, x in y && y in x))", error: "found no matching overload for '@in' applied to '(list(dyn), dyn)'" },
  { expr: "names.exists_one(n, n == 'x')", type: "bool" },
  // message construction
  { expr: "Object{spec: Object.spec{replicas: 1}}", type: "Object" },
  { expr: "JSONPatch{op: 'add', path: '/a', value: 1}", type: "JSONPatch" },
  { expr: "JSONPatch{op: 1}", error: "expected type of field 'op' is 'string' but provided type is 'int'" },
  { expr: "JSONPatch{bogus: 1}", error: "undefined field 'bogus'" },
  { expr: "Msg{a: 1}", error: "undeclared reference to 'Msg' (in container '')" },
  { expr: "int{}", error: "'int' is not a message type" },
  // literal validators (env >= 1.29) and plan-time regex constants
  { expr: "'x'.matches('[')", error: "invalid matches argument" },
  { expr: "'x'.matches('[')", version: "1.28", error: "program instantiation failed: error parsing regexp: missing closing ]: `[`" },
  { expr: "'x'.matches('^[a-z]+$')", type: "bool" },
  { expr: "'x'.matches('(?=x)')", error: "invalid matches argument" },
  { expr: "'x'.find('(')", error: "program instantiation failed: error parsing regexp: missing closing ): `(`" },
  { expr: "'x'.findAll('[a-')", error: "program instantiation failed: error parsing regexp: missing closing ]: `[a-`" },
  { expr: "'x'.find('[a-z]')", type: "string" },
  { expr: "duration('1h')", type: "google.protobuf.Duration" },
  { expr: "duration('1x')", error: "invalid duration argument" },
  { expr: "duration('1x')", version: "1.28", type: "google.protobuf.Duration" },
  { expr: "timestamp('2024-01-01T00:00:00Z')", type: "google.protobuf.Timestamp" },
  { expr: "timestamp('yesterday')", error: "invalid timestamp argument" },
  { expr: "timestamp(object.t)", type: "google.protobuf.Timestamp" },
  // optionals
  { expr: "maybe.orValue('x')", type: "string" },
  { expr: "optional.of(1).orValue(2)", type: "int" },
  { expr: "optional.of(1).orValue('a')", error: "found no matching overload for 'orValue' applied to 'optional_type(int).(string)'" },
  { expr: "optional.none().orValue(1)", type: "dyn" },
  { expr: "quantity('1').isGreaterThan(q)", type: "bool" },
  { expr: "q.isGreaterThan(1)", error: "found no matching overload for 'isGreaterThan' applied to 'kubernetes.Quantity.(int)'" },
  // optional syntax and two-variable comprehensions
  { expr: "labels.?app", type: "optional_type(string)" },
  { expr: "labels.?app.orValue('x') == 'y'", type: "bool" },
  { expr: "object.?spec.?replicas", type: "optional_type(dyn)" },
  { expr: "request.?name", type: "optional_type(string)" },
  { expr: "request.?nope", error: "undefined field 'nope'" },
  { expr: "names[?0]", type: "optional_type(string)" },
  { expr: "labels[?'a']", type: "optional_type(string)" },
  { expr: "maybe.size", error: "type 'string' does not support field selection" },
  { expr: "[?maybe, 'b']", type: "list(string)" },
  { expr: "[?'a']", error: "expected type 'optional_type(string)' but found 'string'" },
  { expr: "{?'k': maybe}", type: "map(string, string)" },
  { expr: "{?'k': 1}", error: "expected type 'optional_type(int)' but found 'int'" },
  { expr: "labels.?app", version: "1.27", error: "unsupported syntax '.?'" },
  { expr: "[?maybe]", version: "1.27", error: "unsupported syntax '?'" },
  { expr: "labels.all(k, v, k == v)", type: "bool" },
  { expr: "names.all(i, v, i > 0 && v != '')", type: "bool" },
  { expr: "names.exists(i, v, i == 'a')", error: "found no matching overload for '_==_' applied to '(int, string)'" },
  { expr: "labels.all(k, v, k == v)", version: "1.31", error: "undeclared reference to 'all' (in container '')" },
];

/** A table row's verdict: exactly one issue with the expected text, or no issue and the expected type. */
function expectRow(r: CheckResult, row: Row): void {
  if (row.error !== undefined) {
    expect(r.issues.map((i) => i.message), row.expr).toEqual([row.error]);
  } else {
    expect(r.issues, row.expr).toEqual([]);
    expect(typeToString(r.type)).toBe(row.type);
  }
}

describe(`checker: local declaration table`, () => {
  it.each(rows.filter((r) => !r.divergence))("$expr ($version)", (row) => expectRow(checkSrc(localEnv(row.version), row.expr), row));
  it.fails.each(rows.filter((r) => r.divergence))("known divergence from cel-go: $expr ($divergence)", (row) =>
    expectRow(checkSrc(localEnv(row.version), row.expr), row),
  );

  it("records refs for call nodes and types for every node", () => {
    const r = checkSrc(localEnv(), "size(names) == 1 && 'a'.startsWith('b')");
    expect(r.issues).toEqual([]);
    // one resolved overload per call node: size(list(A)), _==_(A, A), string.startsWith(string), _&&_(bool, bool)
    expect([...r.refs.values()].flat().map((o) => o.name).sort()).toEqual(["_&&_", "_==_", "size", "startsWith"]);
    const sizeRef = [...r.refs.values()].find((ovs) => ovs[0]!.name === "size")!;
    expect(sizeRef.map((o) => o.params.map(typeToString))).toEqual([["list(A)"]]);
    expect([...r.types.values()].every((t) => t.k !== "param")).toBe(true);
  });

  it("reports line and column of the offending node", () => {
    const r = checkSrc(localEnv(), "true &&\n  foo");
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ line: 2, column: 3, message: "undeclared reference to 'foo' (in container '')" });
  });

  it("collects every type error, sorted by position", () => {
    const r = checkSrc(localEnv(), "a + b");
    expect(r.issues.map((i) => i.message)).toEqual([
      "undeclared reference to 'a' (in container '')",
      "undeclared reference to 'b' (in container '')",
    ]);
  });

  it("hand-built AST: optional select, optional index and gating by version", () => {
    const sel: Expr = { k: "select", id: 2, pos: 6, operand: { k: "ident", id: 1, pos: 0, name: "labels" }, field: "app", test: false, optional: true };
    const idx: Expr = { k: "call", id: 3, pos: 4, fn: "_[?_]", args: [{ k: "ident", id: 4, pos: 0, name: "names" }, { k: "lit", id: 5, pos: 7, value: 0n }] };
    const src = "labels.?app";
    expect(typeToString(check({ source: src, expr: sel }, localEnv()).type)).toBe("optional_type(string)");
    expect(typeToString(check({ source: "names[?0]", expr: idx }, localEnv()).type)).toBe("optional_type(string)");
    expect(check({ source: src, expr: sel }, localEnv("1.27")).issues[0]!.message).toBe("unsupported syntax '.?'");
    const optOnOpt: Expr = { k: "select", id: 2, pos: 5, operand: { k: "ident", id: 1, pos: 0, name: "maybe" }, field: "x", test: false, optional: false };
    expect(check({ source: "maybe.x", expr: optOnOpt }, localEnv()).issues[0]!.message).toBe("type 'string' does not support field selection");
  });

  it("hand-built AST: two-variable comprehension types and version gate", () => {
    // labels.all(k, v, k == v) expanded as cel-go does
    const comp: Expr = {
      k: "comp", id: 10, pos: 10, iterVar: "k", iterVar2: "v", macro: "all", accuVar: "@result",
      iterRange: { k: "ident", id: 1, pos: 0, name: "labels" },
      accuInit: { k: "lit", id: 2, pos: 10, value: true },
      loopCondition: { k: "call", id: 3, pos: 10, fn: "@not_strictly_false", args: [{ k: "ident", id: 4, pos: 10, name: "@result" }] },
      loopStep: { k: "call", id: 5, pos: 10, fn: "_&&_", args: [{ k: "ident", id: 6, pos: 10, name: "@result" }, { k: "call", id: 7, pos: 19, fn: "_==_", args: [{ k: "ident", id: 8, pos: 17, name: "k" }, { k: "ident", id: 9, pos: 22, name: "v" }] }] },
      result: { k: "ident", id: 11, pos: 10, name: "@result" },
    };
    const ok = check({ source: "labels.all(k, v, k == v)", expr: comp }, localEnv());
    expect(ok.issues).toEqual([]);
    expect(typeToString(ok.type)).toBe("bool");
    expect(typeToString(ok.types.get(9)!)).toBe("string");
    const old = check({ source: "labels.all(k, v, k == v)", expr: comp }, localEnv("1.31"));
    expect(old.issues[0]!.message).toBe("undeclared reference to 'all' (in container '')");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. cel-go checker table from @bufbuild/cel-spec

interface SpecType {
  primitive?: string;
  listType?: { elemType: SpecType };
  mapType?: { keyType: SpecType; valueType: SpecType };
  dyn?: object;
  null?: unknown;
  typeParam?: string;
  abstractType?: { name: string; parameterTypes?: SpecType[] };
  wellKnown?: string;
  type?: SpecType;
}
interface SpecDecl {
  name: string;
  ident?: { type: SpecType };
  function?: { overloads: { overloadId: string; params?: SpecType[]; resultType: SpecType; isInstanceFunction?: boolean }[] };
}
interface SpecCase {
  original: { expr: string; typeEnv?: SpecDecl[]; container?: string };
  type?: string;
  error?: string;
}

const PRIMS: Record<string, CelType> = { INT64: T.int, UINT64: T.uint, DOUBLE: T.double, STRING: T.string, BOOL: T.bool, BYTES: T.bytes };

function specType(t: SpecType): CelType | undefined {
  if (t.primitive) return PRIMS[t.primitive];
  if (t.listType) {
    const e = specType(t.listType.elemType);
    return e && T.list(e);
  }
  if (t.mapType) {
    const k = specType(t.mapType.keyType);
    const v = specType(t.mapType.valueType);
    return k && v && T.map(k, v);
  }
  if (t.dyn) return T.dyn;
  if ("null" in t) return T.null;
  if (t.typeParam) return T.param(t.typeParam);
  if (t.wellKnown === "TIMESTAMP") return T.timestamp;
  if (t.wellKnown === "DURATION") return T.duration;
  if (t.abstractType) {
    const ps = (t.abstractType.parameterTypes ?? []).map(specType);
    return ps.every((p) => p) ? T.opaque(t.abstractType.name, ...(ps as CelType[])) : undefined;
  }
  return undefined; // messages, wrappers, Any: proto types are out of scope
}

// the checker test harness' default declarations
const SPEC_DEFAULT_VARS: Record<string, CelType> = { is: T.string, ii: T.int, iu: T.uint, iz: T.bool, id: T.double, ix: T.null, ib: T.bytes };
const SPEC_DEFAULT_FUNCS: Overload[] = [g("fg_s", [], T.string), mb("fi_s_s", [T.string], T.string)];

const normSpecType = (s: string): string => s.replace(/\bnull_type\b/g, "null");

describe("checker: cel-go checker table (@bufbuild/cel-spec testdata/checking)", () => {
  const declarationSets: [string, Library[]][] = [
    ["local", [localStd(false)]],
    ["stdlib", stdLibraries],
  ];
  it.each(declarationSets)("runs the cases that need only primitives, lists, maps, dyn and declared idents (%s declarations)", (decls, std) => {
    const cases = (checkingSuite.tests ?? []) as SpecCase[];
    let run = 0;
    let skipped = 0;
    let sameMessage = 0;
    let errorsRun = 0;
    let samePosition = 0;
    let sameCount = 0;
    const failures: string[] = [];
    for (const c of cases) {
      const { expr, typeEnv = [], container } = c.original;
      if (container) {
        skipped++;
        continue;
      }
      const vars: Record<string, CelType> = { ...SPEC_DEFAULT_VARS };
      const funcs: Overload[] = [...SPEC_DEFAULT_FUNCS];
      let unsupported = false;
      for (const d of typeEnv) {
        if (d.ident) {
          const t = specType(d.ident.type);
          if (t) vars[d.name] = t;
          else unsupported = true;
        } else if (d.function) {
          for (const o of d.function.overloads) {
            const ps = (o.params ?? []).map(specType);
            const rt = specType(o.resultType);
            if (!rt || ps.some((p) => !p)) unsupported = true;
            else funcs.push({ id: o.overloadId, name: d.name, member: !!o.isInstanceFunction, params: ps as CelType[], result: rt });
          }
        }
      }
      if (unsupported || /[A-Z]\w*\{|google\.|single_|repeated_/.test(expr)) {
        skipped++;
        continue;
      }
      const env = buildEnv({ version: "1.0", libraries: [...std, { name: "spec", overloads: funcs }], vars });
      let r: CheckResult;
      try {
        r = checkSrc(env, expr, { validators: false });
      } catch (e) {
        failures.push(`${expr}: parse failure ${(e as Error).message}`);
        continue;
      }
      run++;
      if (c.error !== undefined) {
        errorsRun++;
        if (!r.issues.length) failures.push(`${expr}: expected error ${c.error.split("\n")[0]}`);
        else if (c.error.includes(r.issues[0]!.message)) {
          sameMessage++;
          const n = c.error.split("ERROR:").length - 1;
          if (n === r.issues.length) sameCount++;
          else if (process.env.CHECKER_DEBUG) console.log(`COUNT ${expr}: ours ${r.issues.map((i) => i.message).join(" / ")} cel-go ${c.error}`);
          const at = /:(\d+):(\d+): /.exec(c.error);
          if (at && Number(at[1]) === r.issues[0]!.line && Number(at[2]) === r.issues[0]!.column) samePosition++;
          else if (process.env.CHECKER_DEBUG) console.log(`POS ${expr}: ours ${r.issues[0]!.line}:${r.issues[0]!.column} cel-go ${at?.[0]}`);
        }
        else if (process.env.CHECKER_DEBUG) console.log(`MSG ${expr}\n  ours: ${r.issues.map((i) => i.message).join(" / ")}\n  cel-go: ${c.error.split("\n")[0]}`);
      } else if (r.issues.length) {
        failures.push(`${expr}: unexpected ${r.issues[0]!.message}`);
      } else if (c.type !== undefined && normSpecType(typeToString(r.type)) !== c.type) {
        failures.push(`${expr}: type ${typeToString(r.type)} != ${c.type}`);
      }
    }
    console.log(
      `[cel-checker] spec checking table (${decls} declarations): ${cases.length} cases, ran ${run}, skipped ${skipped} ` +
        `(proto messages/container), failures ${failures.length}; first error text identical for ${sameMessage}/${errorsRun} error cases run, ` +
        `same line:column for ${samePosition}, same number of errors for ${sameCount}`,
    );
    expect(failures).toEqual([]);
    expect({ cases: cases.length, run, skipped, errorsRun }).toEqual({ cases: 135, run: 88, skipped: 47, errorsRun: 25 });
    expect(sameMessage).toBe(errorsRun);
    expect(samePosition).toBe(errorsRun);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. Full Kubernetes environment (standard + Kubernetes libraries)

const fullLibs: Library[] = [...stdLibraries, ...k8sLibraries];

const fullEnv = (version = "1.36"): Env =>
  buildEnv({ version, libraries: fullLibs, vars: { object: T.dyn, oldObject: T.dyn, params: T.dyn, request: T.object("kubernetes.AdmissionRequest") }, objectSchemas: schemas });

const fullRows: Row[] = [
  { expr: "object.spec.containers.all(c, c.image.startsWith('r/'))", type: "bool" },
  { expr: "object.metadata.labels.exists(k, k == 'app')", type: "bool" },
  { expr: "1 == 1.0", error: "found no matching overload for '_==_' applied to '(int, double)'" },
  { expr: "dyn(1) == 1.0", type: "bool" },
  { expr: "[1, 'a']", error: "expected type 'int' but found 'string'" },
  { expr: "'x'.matches('[')", error: "invalid matches argument" },
  { expr: "duration('1x') > duration('1s')", error: "invalid duration argument" },
  { expr: "timestamp('nope') == timestamp('2020-01-01T00:00:00Z')", error: "invalid timestamp argument" },
  { expr: "false && nope(1)", error: "undeclared reference to 'nope' (in container '')" },
  { expr: "request.bogus == 'x'", error: "undefined field 'bogus'" },
  { expr: "object.spec.replicas > 2.5", type: "bool" },
  { expr: "quantity('1Gi').isGreaterThan(quantity('1Mi'))", type: "bool" },
  { expr: "[1, 2].isSorted() && [1, 2].sum() == 3", type: "bool" },
  { expr: "sets.contains([1, 2], [1])", type: "bool" },
  { expr: "'a,b'.split(',').join('-')", type: "string" },
  { expr: "isIP('1.2.3.4') && ip('1.2.3.4').family() == 4", type: "bool" },
  { expr: "optional.of(1).orValue(2) == 1", type: "bool" },
  { expr: "object.?spec.?replicas.orValue(1) > 0", type: "bool" },
  { expr: "'x'.find('(')", error: "program instantiation failed: error parsing regexp: missing closing ): `(`" },
];

describe("checker: full Kubernetes environment", () => {
  it.each(fullRows)("$expr", (row) => expectRow(checkSrc(fullEnv(row.version), row.expr), row));
});

const CASES_TSV = "k8s-cel/cases.tsv";

/** Rows of cases.tsv that need no context (no bindings, no schema): kind, expression and expected pattern. */
function selfContainedRows(): { kind: string; expr: string; expected: string }[] {
  const unescape = (s: string): string => s.replace(/\\([tn\\])/g, (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : "\\"));
  const lines = fs.readFileSync(corpusPath(CASES_TSV), "utf8").split("\n");
  const header = lines[0]!.split("\t");
  const col = (n: string): number => header.indexOf(n);
  return lines
    .slice(1)
    .filter((line) => line !== "")
    .map((line) => line.split("\t"))
    .filter((f) => f[col("needs_context")] === "")
    .map((f) => ({ kind: f[col("kind")]!, expr: unescape(f[col("expression")]!), expected: unescape(f[col("expected")]!) }));
}

describe.skipIf(!haveCorpus("cel-checker", CASES_TSV))("checker: self-contained rows of corpus/k8s-cel/cases.tsv", () => {
  it("value/runtime_error rows type-check", () => {
    const rows = selfContainedRows().filter((r) => r.kind === "value" || r.kind === "runtime_error");
    const failures: string[] = [];
    for (const { expr } of rows) {
      try {
        const r = checkSrc(fullEnv(), expr);
        if (r.issues.length) failures.push(`${expr}: ${r.issues[0]!.message}`);
      } catch (e) {
        failures.push(`${expr}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    console.log(`[cel-checker] corpus value/runtime_error rows (self-contained): ${rows.length} checked, ${failures.length} rejected`);
    expect(failures).toEqual([]);
    expect(rows).toHaveLength(164);
  });

  it("compile_error rows fail to check with the recorded message", () => {
    const rows = selfContainedRows().filter((r) => r.kind === "compile_error");
    const failures: string[] = [];
    for (const { expr, expected } of rows) {
      const r = checkSrc(fullEnv(), expr);
      const patterns = expected.split(" ||| ");
      if (!r.issues.length) failures.push(`${expr}: accepted`);
      else if (!patterns.some((p) => new RegExp(p).test(r.issues.map((i) => i.message).join("\n")))) {
        failures.push(`${expr}: ${r.issues[0]!.message} !~ ${patterns.join(" | ")}`);
      }
    }
    console.log(`[cel-checker] corpus compile_error rows (self-contained): ${rows.length} checked, ${failures.length} failures`);
    expect(failures).toEqual([]);
    expect(rows).toHaveLength(3);
  });
});
