// Table-driven tests of the CEL interpreter and standard library: expression → expected value (as JSON via
// toJSON, or an exact CEL value) or expected error text, evaluated with parse → resolveNamespaces → interpret.
import { describe, expect, it } from "vitest";
import type { Expr } from "../src/cel/ast.js";
import { buildEnv, compile, resolveNamespaces } from "../src/cel/env.js";
import { interpret } from "../src/cel/interp.js";
import { parse } from "../src/cel/parser.js";
import { stdLibraries } from "../src/cel/stdlib/index.js";
import { formatDouble } from "../src/cel/stdlib/format.js";
import { makeDispatcher2 } from "../src/cel/stdlib/dispatch.js";
import { T } from "../src/cel/types.js";
import { CelError, CelMap, CelUint, Duration, Optional, Timestamp, fromJSON, toJSON, type MapKey, type Value } from "../src/cel/values.js";

const env = buildEnv({ version: "1.36", libraries: stdLibraries, vars: { object: T.dyn, m: T.dyn, n: T.dyn } });
const act = {
  object: fromJSON({
    metadata: { name: "p", labels: { app: "web" }, annotations: { "a/b": "c" } },
    spec: { replicas: 3, ratio: 0.5, containers: [{ name: "a", image: "r/a:1" }, { name: "b", image: "r/b:2", securityContext: { privileged: true } }] },
  }),
  m: new CelMap(new Map<MapKey, Value>([["k", null], ["x", 1n]])),
  n: null,
};

function run(src: string, version = "1.36"): Value {
  const e = version === "1.36" ? env : buildEnv({ version, libraries: stdLibraries, vars: { object: T.dyn } });
  const parsed = parse(src);
  return interpret({ source: src, expr: resolveNamespaces(parsed.expr, e) }, e)(act);
}

type Case = [string, unknown];
const values: Case[] = [
  // arithmetic & overflow
  ["1 + 2 * 3", 7],
  ["7 / 2", 3],
  ["-7 / 2", -3],
  ["-7 % 3", -1],
  ["7u / 2u", 3],
  ["1.5 + 2.0", 3.5],
  ["'ab' + 'cd'", "abcd"],
  ["[1] + [2, 3]", [1, 2, 3]],
  ["-9223372036854775808", "-9223372036854775808"],
  ["9223372036854775807", "9223372036854775807"],
  // logic with commutative error absorption
  ["false && (1/0 == 1)", false],
  ["(1/0 == 1) && false", false],
  ["true || (1/0 == 1)", true],
  ["(1/0 == 1) || true", true],
  ["true ? 1 : 1/0", 1],
  ["false ? 1/0 : 2", 2],
  // equality & ordering
  ["1 == 1.0", true],
  ["dyn(1) == 1u", true],
  ["dyn(1u) == 1.0", true],
  ["1 != 'a'", true],
  ["[1, 'a'] == [1.0, 'a']", true],
  ["{'a': 1} == {'a': 1.0}", true],
  ["null == null", true],
  ["double('NaN') == double('NaN')", false],
  ["type(1) == int", true],
  ["type(type(1)) == type", true],
  ["type([]) == list && type({}) == map", true],
  ["type(null) == null_type", true],
  ["2 < 2.5 && 3u > 2 && 2.5 >= 2u", true],
  ["'a' < 'b' && b'a' < b'b' && false < true", true],
  ["9223372036854775807 < 9223372036854775808.0", false],
  ["timestamp('2020-01-01T00:00:00Z') < timestamp('2021-01-01T00:00:00Z')", true],
  ["duration('1s') < duration('2s')", true],
  // maps, lists, indexing
  ["{1: 'a'}[1u]", "a"],
  ["{1: 'a'}[1.0]", "a"],
  ["[1, 2, 3][1u]", 2],
  ["[1, 2, 3][2.0]", 3],
  ["2 in [1, 2]", true],
  ["2.0 in [1, 2]", true],
  ["'a' in {'a': 1}", true],
  ["1.0 in {1: 1}", true],
  ["size('héllo') + size(b'ab') + size([1]) + size({'a': 1})", 9],
  ["'héllo'.size()", 5],
  ["object.metadata.annotations['a/b']", "c"],
  ["object.spec.replicas > 2.5", true],
  ["object.spec.replicas + 1", 4],
  // has()
  ["has(object.spec.replicas)", true],
  ["has(object.spec.foo)", false],
  ["has(m.k)", true],
  ["m.k == null", true],
  ["has(n.foo)", false],
  // macros
  ["object.spec.containers.all(c, c.image.startsWith('r/'))", true],
  ["object.spec.containers.exists(c, has(c.securityContext) && c.securityContext.privileged)", true],
  ["object.spec.containers.exists_one(c, c.name == 'a')", true],
  ["object.spec.containers.map(c, c.name)", ["a", "b"]],
  ["object.spec.containers.filter(c, c.name == 'b').map(c, c.image)", ["r/b:2"]],
  ["[1, 2].map(x, x > 1, x * 10)", [20]],
  ["{'a': 1, 'b': 2}.map(k, k)", ["a", "b"]],
  ["[0, 1].all(x, 1 / x > 5)", false],
  ["[0, 1].exists(x, 1 / x == 1)", true],
  ["[].all(x, x > 0)", true],
  // two-variable comprehensions (1.32)
  ["[10, 20].all(i, v, v == (i + 1) * 10)", true],
  ["{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)", true],
  ["[1, 2, 3].existsOne(i, v, v > 2)", true],
  ["[1, 2].transformList(i, v, v * i)", [0, 2]],
  ["[1, 2, 3].transformList(i, v, v > 1, v)", [2, 3]],
  ["{'a': 1}.transformMap(k, v, v + 1)", { a: 2 }],
  ["{'a': 1}.transformMapEntry(k, v, {k + 'x': v})", { ax: 1 }],
  // conversions
  ["int('42') + int(3.9) + int(-3.9)", 42],
  ["int(timestamp('1970-01-01T00:01:00Z'))", 60],
  ["uint(42) == 42u", true],
  ["double(1) + double('2.5')", 3.5],
  ["string(1.0)", "1"],
  ["string(1.5)", "1.5"],
  ["string(100000.0)", "100000"],
  ["string(1000000.0)", "1e+06"],
  ["string(0.0001)", "0.0001"],
  ["string(0.00001)", "1e-05"],
  ["string(123u)", "123"],
  ["string(b'abc')", "abc"],
  ["string(true)", "true"],
  ["string(timestamp('2023-01-02T03:04:05.120Z'))", "2023-01-02T03:04:05.12Z"],
  ["string(timestamp('2023-01-02T03:04:05+01:00'))", "2023-01-02T02:04:05Z"],
  ["string(duration('1h2m3.5s'))", "3723.5s"],
  ["string(duration('-1.5ms'))", "-0.0015s"],
  ["bool('true') && bool('T') && bool('1') && !bool('False')", true],
  ["timestamp(0) == timestamp('1970-01-01T00:00:00Z')", true],
  ["dyn([1])[0]", 1],
  // time accessors
  ["timestamp('2023-03-15T10:20:30.456Z').getFullYear()", 2023],
  ["timestamp('2023-03-15T10:20:30.456Z').getMonth()", 2],
  ["timestamp('2023-03-15T10:20:30.456Z').getDate()", 15],
  ["timestamp('2023-03-15T10:20:30.456Z').getDayOfMonth()", 14],
  ["timestamp('2023-03-15T10:20:30.456Z').getDayOfWeek()", 3],
  ["timestamp('2023-03-15T10:20:30.456Z').getDayOfYear()", 73],
  ["timestamp('2023-03-15T10:20:30.456Z').getMilliseconds()", 456],
  ["timestamp('2023-03-15T10:20:30Z').getHours('America/New_York')", 6],
  ["timestamp('2023-03-15T10:20:30Z').getHours('+05:30')", 15],
  ["timestamp('2023-03-15T10:20:30Z').getMinutes('-08:30')", 50],
  ["duration('3h25m').getHours() + duration('3h25m').getMinutes()", 208],
  ["duration('1.5s').getMilliseconds()", 500],
  ["timestamp('2023-01-01T00:00:00Z') + duration('24h') == timestamp('2023-01-02T00:00:00Z')", true],
  ["timestamp('2023-01-02T00:00:00Z') - timestamp('2023-01-01T00:00:00Z') == duration('24h')", true],
  // strings
  ["'hello'.contains('ell') && 'hello'.startsWith('he') && 'hello'.endsWith('lo')", true],
  ["'abc123'.matches('^[a-z]+[0-9]+$')", true],
  ["matches('abc', 'b')", true],
  ["'héllo'.charAt(1)", "é"],
  ["'hello'.charAt(5)", ""],
  ["'hello mellow'.indexOf('ello', 2)", 7],
  ["'hello mellow'.lastIndexOf('ello')", 7],
  ["'hello mellow'.lastIndexOf('')", 12],
  ["'TacoCÆt'.lowerAscii()", "tacocÆt"],
  ["'hello hello'.replace('he', 'we', 1)", "wello hello"],
  ["'a,b,c'.split(',', 2)", ["a", "b,c"]],
  ["'abc'.split('')", ["a", "b", "c"]],
  ["'tacocat'.substring(4)", "cat"],
  ["'  \\ttrim\\n '.trim()", "trim"],
  ["['a', 'b'].join('-')", "a-b"],
  ["[].join()", ""],
  ["strings.quote('a\"b\\n')", '"a\\"b\\n"'],
  ["'%s is %d, %x %X %o %b'.format(['x', 42, 255, 255, 8, 5])", "x is 42, ff FF 10 101"],
  ["'%.2f|%f'.format([3.14159, 1234.5])", "3.14|1,234.500000"],
  ["'%s'.format([[1, 'a', 1.5]])", '[1, "a", 1.500000]'],
  ["'%s'.format([{'b': 1, 'a': true}])", '{"a":true, "b":1}'],
  ["'%s %s'.format([1.5, null])", "1.5 null"],
  // optionals
  ["object.?spec.?replicas.orValue(0)", 3],
  ["object.?spec.?nope.orValue(0)", 0],
  ["object.spec.?nope.hasValue()", false],
  ["optional.of(1).value()", 1],
  ["optional.none().or(optional.of(2)).value()", 2],
  ["optional.ofNonZeroValue('').hasValue()", false],
  ["[1, 2][?5].orValue(9)", 9],
  ["{'a': 1}[?'a'].value()", 1],
  ["optional.of({'a': {'b': 1}}).a.b.value()", 1],
  ["optional.of({'a': 1}).b.hasValue()", false],
  ["[?optional.none(), ?optional.of(1), 2]", [1, 2]],
  ["{?'a': optional.none(), ?'b': optional.of(1)}", { b: 1 }],
  ["optional.none().optMap(x, x + 1).hasValue()", false],
  ["optional.of(1).optMap(x, x + 1).value()", 2],
  // lists v3 (1.34)
  ["lists.range(3)", [0, 1, 2]],
  ["[1, 2, 2, 3].distinct()", [1, 2, 3]],
  ["[1, [2, [3]]].flatten()", [1, 2, [3]]],
  ["[1, [2, [3]]].flatten(2)", [1, 2, 3]],
  ["[1, 2, 3].reverse()", [3, 2, 1]],
  ["[1, 2, 3, 4].slice(1, 3)", [2, 3]],
  ["['b', 'c', 'a'].sort()", ["a", "b", "c"]],
  ["[3, 1, 2].sortBy(x, -x)", [3, 2, 1]],
];

const errors: [string, string][] = [
  ["object.spec.foo", "no such key: foo"],
  ["has(object.nope.foo)", "no such key: nope"],
  ["nope", "no such attribute(s): nope"],
  ["[1, 2][2]", "index out of bounds: 2"],
  ["{'a': 1}['b']", "no such key: b"],
  ["1 / 0", "division by zero"],
  ["1 % 0", "modulus by zero"],
  ["1u / 0u", "division by zero"],
  ["9223372036854775807 + 1", "integer overflow"],
  ["-9223372036854775807 - 2", "integer overflow"],
  ["-(dyn(-9223372036854775807 - 1))", "integer overflow"],
  ["0u - 1u", "unsigned integer overflow"],
  ["18446744073709551615u + 1u", "unsigned integer overflow"],
  ["int(1e19)", "integer overflow"],
  ["uint(-1)", "unsigned integer overflow"],
  ["int('0x10')", 'strconv.ParseInt: parsing "0x10": invalid syntax'],
  ["bool('yes')", 'strconv.ParseBool: parsing "yes": invalid syntax'],
  ["duration('1x')", 'time: unknown unit "x" in duration "1x"'],
  ["duration('1')", 'time: missing unit in duration "1"'],
  ["timestamp('9999-12-31T23:59:59Z') + duration('1s')", "timestamp overflow"],
  ["1 + 'a'", "no such overload: _+_(int, string)"],
  ["!dyn(1)", "no such overload: !_(int)"],
  ["dyn(1) && true", "no such overload"],
  ["dyn('a') ? 1 : 2", "no such overload"],
  ["dyn(1) < 'a'", "no such overload: _<_(int, string)"],
  ["{'a': 1, 'a': 2}", "Failed with repeated key"],
  ["'a'.matches('[')", "error parsing regexp: missing closing ]: `[`"],
  ["optional.none().value()", "optional.none() dereference"],
  ["'hello'.charAt(-1)", "index out of range: -1"],
  ["'tacocat'.substring(2, 1)", "invalid substring range. start: 2, end: 1"],
  ["'%d'.format(['a'])", "error during formatting: decimal clause can only be used on integers, was given string"],
  ["'%d %d'.format([1])", "index 1 out of range"],
  ["[1, 'a'].sort()", "list elements must have the same type"],
  ["[1].slice(0, 2)", "cannot slice(0, 2), list is length 1"],
  ["[1, 2].transformMapEntry(i, v, {'k': v})", "insert failed: key k already exists"],
  ["dyn(1).all(x, true)", "expression of type 'int' cannot be range of a comprehension (must be list, map, or dynamic)"],
  ["[1, 0].all(x, 1 / x > 0)", "division by zero"],
  ["timestamp('2023-01-01T00:00:00Z').getHours('Mars/Olympus')", "unknown time zone Mars/Olympus"],
];

describe("interpreter: values", () => {
  it.each(values)("%s", (src, want) => {
    expect(toJSON(run(src))).toEqual(want);
  });
});

describe("interpreter: errors", () => {
  it.each(errors)("%s → %s", (src, msg) => {
    let err: unknown;
    try {
      run(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CelError);
    expect((err as CelError).message).toBe(msg);
  });
});

describe("interpreter: value kinds", () => {
  it.each<[string, (v: Value) => boolean]>([
    ["1u + 2u", (v) => v instanceof CelUint && v.v === 3n],
    ["3.0", (v) => v === 3],
    ["1 + 2", (v) => v === 3n],
    ["b'ab' + b'c'", (v) => v instanceof Uint8Array && [...v].join() === "97,98,99"],
    ["timestamp('2023-01-01T00:00:00Z')", (v) => v instanceof Timestamp && v.ns === 1672531200n * 1_000_000_000n],
    ["duration('1ms')", (v) => v instanceof Duration && v.ns === 1_000_000n],
    ["optional.none()", (v) => v instanceof Optional && !v.hasValue()],
    ["{1u: 'a'}", (v) => v instanceof CelMap && [...v.keys()][0] instanceof CelUint],
  ])("%s", (src, ok) => {
    expect(ok(run(src))).toBe(true);
  });
});

describe("environment gating", () => {
  it.each([
    ["lists.range(2)", "1.33"],
    ["{'a': 1}.transformMap(k, v, v)", "1.31"],
    ["optional.of(1).hasValue()", "1.27"],
    ["'%s'.format(['a'])", "1.28"],
  ])("%s is not available at env %s", (src, version) => {
    expect(() => run(src, version)).toThrow(CelError);
  });
  it("cross-type ordering arrives in 1.28", () => {
    expect(() => run("dyn(1) < 2.0", "1.27")).toThrow(CelError);
    expect(run("dyn(1) < 2.0", "1.28")).toBe(true);
  });
});

describe("formatDouble (Go strconv 'g', shortest)", () => {
  it.each<[number, string]>([
    [0, "0"],
    [-0, "-0"],
    [1e21, "1e+21"],
    [123456, "123456"],
    [1234567, "1.234567e+06"],
    [0.1, "0.1"],
    [1.5e-7, "1.5e-07"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [NaN, "NaN"],
  ])("%s → %s", (x, want) => {
    expect(formatDouble(x)).toBe(want);
  });
});

describe("planning and dispatch", () => {
  it("plans once and evaluates many times against different activations", () => {
    const src = "object.spec.replicas * 2";
    const prog = interpret({ source: src, expr: resolveNamespaces(parse(src).expr, env) }, env);
    expect(prog({ object: fromJSON({ spec: { replicas: 2 } }) })).toBe(4n);
    expect(prog({ object: fromJSON({ spec: { replicas: 5 } }) })).toBe(10n);
  });
  it("evaluates hand-built ASTs (comprehension over a map iterates keys)", () => {
    const lit = (id: number, value: Value): Expr => ({ k: "lit", id, pos: 0, value });
    const id = (n: number, name: string): Expr => ({ k: "ident", id: n, pos: 0, name });
    const expr: Expr = {
      k: "comp",
      id: 1,
      pos: 0,
      iterVar: "k",
      iterVar2: "",
      iterRange: id(2, "m"),
      accuVar: "@result",
      accuInit: { k: "list", id: 3, pos: 0, elems: [], optionalIndices: [] },
      loopCondition: lit(4, true),
      loopStep: { k: "call", id: 5, pos: 0, fn: "_+_", args: [id(6, "@result"), { k: "list", id: 7, pos: 0, elems: [id(8, "k")], optionalIndices: [] }] },
      result: id(9, "@result"),
      macro: "map",
    };
    expect(toJSON(interpret({ source: "", expr }, env)(act))).toEqual(["k", "x"]);
  });
  it("dispatches among the checker's refs only when given", () => {
    const src = "dyn(1) + dyn(2)";
    const parsed = parse(src);
    const call = parsed.expr;
    const onlyDouble = (env.overloads.get("_+_") ?? []).filter((o) => o.id === "add_double");
    const refs = new Map([[call.id, onlyDouble]]);
    const prog = interpret(parsed, env, { type: T.dyn, issues: [], refs, types: new Map() });
    expect(() => prog(act)).toThrow("no such overload");
  });
  it("memoized binary dispatcher picks overloads by runtime kind", () => {
    const d = makeDispatcher2("_+_", (env.overloads.get("_+_") ?? []).filter((o) => o.impl));
    expect(d(1n, 2n)).toBe(3n);
    expect(d("a", "b")).toBe("ab");
    expect(d(1n, 2n)).toBe(3n);
    expect(() => d(1n, "b")).toThrow("no such overload: _+_(int, string)");
  });
});

describe("optional or/orValue as cel-go plans them", () => {
  it.each([
    ["dyn([1, 2]).orValue([])", [1n, 2n]],
    ["optional.none().orValue(3)", 3n],
    ["optional.of(1).orValue(1 / 0)", 1n],
    ["optional.of(1).or(optional.of(2)).value()", 1n],
    ["optional.none().or(optional.of(2)).value()", 2n],
  ])("%s", (expr, want) => {
    const env = buildEnv({ version: "1.36", libraries: stdLibraries, vars: {} });
    expect(compile(env, expr).eval({})).toEqual(want);
  });
});
