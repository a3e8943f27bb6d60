// The JMESPath + variable-substitution layer of the Kyverno source engine (converters/kyverno/engine/jmespath.ts,
// variables.ts): go-jmespath (Kyverno fork) evaluation, the "Unknown key" vs null rules, every function Kyverno
// registers, `{{ }}` substitution and the JSON context. The corpus test compiles every `{{ }}` expression, every
// deny-condition key, foreach `list` and context `jmesPath` of corpus/kyverno.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import {
  compile,
  evaluate,
  FUNCTION_NAMES,
  JmesError,
  JmesNotFoundError,
  JmesSyntaxError,
  UNSUPPORTED_FUNCTIONS,
  type JsonObject,
  type JsonValue,
} from "../converters/kyverno/engine/jmespath.js";
import {
  createContext,
  evaluateList,
  findVariables,
  imageInfos,
  isUnknownKeyError,
  query,
  QueryError,
  splitVariableKey,
  substitute,
  SubstitutionError,
  UnknownKeyError,
  withContextEntry,
  withElement,
  withVariable,
  type VariableContext,
} from "../converters/kyverno/engine/variables.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

const POD: JsonObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "shop", labels: { app: "web", tier: "frontend" }, annotations: { note: "<b>&", "team.io/owner": "ops" } },
  spec: {
    hostNetwork: false,
    serviceAccountName: "builder",
    containers: [
      { name: "app", image: "nginx:1.25", ports: [{ containerPort: 80 }, { containerPort: 443 }], securityContext: { privileged: true } },
      { name: "sidecar", image: "envoy:latest", ports: [] },
    ],
    initContainers: [{ name: "init", image: "busybox" }],
    volumes: null,
  },
};
const DATA: JsonObject = { request: { operation: "CREATE", object: POD } };
const NOW = (): Date => new Date("2024-01-01T00:00:00Z");

type Expect = { value: JsonValue } | { unknownKey: string } | { error: RegExp };
const ok = (value: JsonValue): Expect => ({ value });
const uk = (unknownKey: string): Expect => ({ unknownKey });
const err = (error: RegExp): Expect => ({ error });

function check(expr: string, want: Expect, data: JsonValue = DATA): void {
  if ("value" in want) {
    expect(evaluate(expr, data, { now: NOW }), expr).toEqual(want.value);
    return;
  }
  let caught: unknown = null;
  let got: JsonValue = null;
  try {
    got = evaluate(expr, data, { now: NOW });
  } catch (e) {
    caught = e;
  }
  expect(caught, `${expr}: expected an error, got ${JSON.stringify(got)}`).toBeInstanceOf(JmesError);
  if ("unknownKey" in want) {
    expect(caught, expr).toBeInstanceOf(JmesNotFoundError);
    expect((caught as JmesNotFoundError).message).toBe(`Unknown key "${want.unknownKey}" in path`);
  } else {
    expect(caught, expr).not.toBeInstanceOf(JmesNotFoundError);
    expect((caught as Error).message, expr).toMatch(want.error);
  }
}

describe("JMESPath expressions (go-jmespath fork)", () => {
  const cases: [string, Expect][] = [
    ["request.object.metadata.name", ok("web")],
    ["request.object.spec.containers[0].name", ok("app")],
    ["request.object.spec.containers[-1].name", ok("sidecar")],
    ["request.object.spec.containers[5]", ok(null)],
    ['request.object.metadata.labels."app"', ok("web")],
    ["request.object.spec.containers[*].name", ok(["app", "sidecar"])],
    ["request.object.spec.containers[].ports[].containerPort", ok([80, 443])],
    ["request.object.spec.containers[*].ports[*].containerPort", ok([[80, 443], []])],
    ["request.object.spec.[ephemeralContainers, initContainers, containers][].name", ok(["init", "app", "sidecar"])],
    ["request.object.spec.[initContainers, containers]", ok([[{ name: "init", image: "busybox" }], (POD["spec"] as JsonObject)["containers"]!])],
    ["request.object.spec.containers[?securityContext.privileged].name", ok(["app"])],
    ["request.object.spec.containers[?name == 'sidecar'].image | [0]", ok("envoy:latest")],
    ["request.object.spec.containers[?!securityContext].name", ok(["sidecar"])],
    ["request.object.spec.containers[?length(ports) > `1`].name", ok(["app"])],
    ["request.object.spec.containers[?name == 'app' && securityContext.privileged].name", ok(["app"])],
    ["request.object.spec.containers[?name == 'x' || name == 'sidecar'].name", ok(["sidecar"])],
    ["request.object.metadata.labels.*", ok(["web", "frontend"])],
    ["request.object.metadata.{n: name, l: labels.app}", ok({ n: "web", l: "web" })],
    ["request.object.spec.containers[0:1].name", ok(["app"])],
    ["request.object.spec.containers[::-1].name", ok(["sidecar", "app"])],
    ["request.object.spec.containers[*].name[0]", ok([])],
    ["request.object.spec.containers[*].name | [1]", ok("sidecar")],
    ["request.object.spec.containers | [0].name", ok("app")],
    ["@.request.operation", ok("CREATE")],
    ["request.object.metadata.labels | keys(@)", ok(["app", "tier"])],
    // `||`/`&&` return an operand; false, null, "", [] and {} are false, numbers (0 too) are true
    ["request.object.spec.hostNetwork || `true`", ok(true)],
    ["request.object.spec.hostNetwork && 'yes'", ok(false)],
    ["`0` || 'x'", ok(0)],
    ["'' || `[]` || `{}` || 'last'", ok("last")],
    ["!(request.object.spec.hostNetwork)", ok(true)],
    ["!`[]`", ok(true)],
    // `!` binds tighter than `.` in go-jmespath: `!a.b` is `(!a).b`
    ["!request.object.spec.hostNetwork", ok(null)],
    // comparisons: == / != deep-compare anything; ordering only numbers, anything else is null
    ["`1` < `2`", ok(true)],
    ["`2` <= `2`", ok(true)],
    ["`3` > `2`", ok(true)],
    ["`3` >= `4`", ok(false)],
    ["'a' < 'b'", ok(null)],
    ["`[1, {\"a\": null}]` == `[1, {\"a\": null}]`", ok(true)],
    ["`1` == '1'", ok(false)],
    ["request.object.spec.volumes == null", ok(true)],
    ["request.object.metadata.name != 'web'", ok(false)],
    // literals
    ['`{"a": [1, 2.5, true, null]}`', ok({ a: [1, 2.5, true, null] })],
    ['`"x"`', ok("x")],
    ["`foo\\`bar`", err(/invalid/)],
    ["'it\\'s'", ok("it's")],
    ["'a\\nb'", ok("a\\nb")],
    ["'abc", ok("ab")], // the fork's lexer: a raw string missing its closing quote loses its last character
    ["`[[1, [2]], 3]`[]", ok([1, [2], 3])],
    ["sort_by(request.object.spec.containers, &name)[].name", ok(["app", "sidecar"])],
    ["map(&name, request.object.spec.containers)", ok(["app", "sidecar"])],
    // function arguments need no commas in the fork's parser
    ["join('-' `[\"a\", \"b\"]`)", ok("a-b")],
  ];
  it.each(cases)("%s", (expr, want) => check(expr, want));

  const syntax: [string, RegExp][] = [
    ["a.", /^SyntaxError: Expected identifier, lbracket, or lbrace$/],
    ["a ||", /^SyntaxError: Incomplete expression$/],
    ["a = b", /^SyntaxError: Unexpected token at the end of the expression: tUnknown$/],
    ["a b", /^SyntaxError: Unexpected token at the end of the expression: tUnquotedIdentifier$/],
    ["a#", /^SyntaxError: Unknown char: '#'$/],
    ['"abc', /^SyntaxError: Unclosed delimiter: "$/],
    ["`abc", /^SyntaxError: Unclosed delimiter: `$/],
    ["'", /^SyntaxError: Unclosed delimiter: '$/],
    ["1", /^SyntaxError: Invalid token: tNumber$/],
    ["{}", /^SyntaxError: Expected tQuotedIdentifier or tUnquotedIdentifier$/],
    ["foo[?a == `1`", /^SyntaxError: Expected tRbracket, received: tEOF$/],
    ['"f"(@)', /^SyntaxError: Can't have quoted identifier as function Name\.$/],
    ["`{bad}`", /invalid character|invalid JSON/],
    ["a[1:2:3:4]", /^SyntaxError: Expected tRbracket, received: tNumber$/],
  ];
  it.each(syntax)("syntax error: %s", (expr, msg) => {
    expect(() => compile(expr)).toThrow(JmesSyntaxError);
    expect(() => compile(expr)).toThrow(msg);
  });

  it("compiles unknown function names; calling one fails at evaluation", () => {
    const q = compile("nope(@)");
    expect(q.functions).toEqual(["nope"]);
    expect(() => q.search({})).toThrow(/^unknown function: nope$/);
  });

  it("a slice step of 0 is an evaluation error", () => {
    check("`[1, 2]`[::0]", err(/^Invalid slice, step cannot be 0$/));
  });
});

describe("Unknown key (error) vs null", () => {
  const cases: [string, Expect][] = [
    // a plain path through a map that lacks the key raises NotFoundError
    ["missing", uk("missing")],
    ["request.object.spec.missing", uk("missing")],
    ["request.object.missing.deeper", uk("missing")],
    ["request.object.spec.containers[0].missing", uk("missing")],
    ["request.object.spec.missing[0]", uk("missing")],
    ["`true` && request.object.spec.missing", uk("missing")],
    // a field of a non-map (null, string, list) is null, not an error
    ["request.object.spec.volumes.foo", ok(null)],
    ["request.object.metadata.name.foo", ok(null)],
    ["request.object.spec.containers.name", ok(null)],
    // inside ||, &&'s left side, !, comparisons, functions, projections, filters, multi-selects, pipes: null
    ["request.object.spec.missing || 'default'", ok("default")],
    ["request.object.spec.missing || request.object.spec.other", ok(null)],
    ["request.object.spec.missing && `true`", ok(null)],
    ["!(request.object.spec.missing)", ok(true)],
    ["request.object.spec.missing == null", ok(true)],
    ["request.object.spec.missing != 'x'", ok(true)],
    ["length(request.object.spec.missing || `[]`)", ok(0)],
    ["to_string(request.object.spec.missing)", ok("null")],
    ["not_null(request.object.spec.missing, 'x')", ok("x")],
    ["request.object.spec.containers[*].missing", ok([])],
    ["request.object.spec.containers[].securityContext.privileged", ok([true])],
    ["request.object.spec.containers[?missing == null].name", ok(["app", "sidecar"])],
    ["request.object.spec.[missing, hostNetwork]", ok([null, false])],
    ["request.object.spec.{a: missing, b: hostNetwork}", ok({ a: null, b: false })],
    ["request.object.spec.missing[]", ok(null)],
    ["request.object.spec.missing[*]", ok(null)],
    ["request.object.spec.missing[?x]", ok(null)],
    ["request.object.spec.missing.*", ok(null)],
    ["request.object.spec.missing | [0]", ok(null)],
    ["map(&missing, request.object.spec.containers)", ok([null, null])],
    // a null argument still fails the function's type check: an error, but not "Unknown key"
    ["length(request.object.spec.missing)", err(/^Invalid type for: <nil>, expected: \[\]jmespath\.JpType\{"string", "array", "object"\}$/)],
    ["contains(request.object.spec.missing, 'x')", err(/^Invalid type for: <nil>/)],
    // the left side of [] / [?] / .* swallows any error
    ["length(`null`)[]", ok(null)],
  ];
  it.each(cases)("%s", (expr, want) => check(expr, want));

  it("value projections visit len(map) extra nulls first (the fork's values slice), visible to functions", () => {
    check("request.object.metadata.labels.*.to_string(@)", ok(["null", "null", "web", "frontend"]));
    check("request.object.metadata.labels.*.length(@)", err(/^Invalid type for: <nil>/));
  });
});

describe("functions", () => {
  const OBJ = { labels: { app: "web", tier: "frontend" } };
  const cases: [string, Expect][] = [
    // go-jmespath built-ins
    ["length('héllo')", ok(5)],
    ["length(`[1, 2]`)", ok(2)],
    ["length(labels)", ok(2)],
    ["length(`1`)", err(/^Invalid type for: 1, expected/)],
    ["starts_with('nginx:1', 'nginx')", ok(true)],
    ["ends_with('nginx:latest', ':latest')", ok(true)],
    ["abs(`-2.5`)", ok(2.5)],
    ["avg(`[1, 2, 6]`)", ok(3)],
    ["ceil(`1.2`)", ok(2)],
    ["floor(`1.8`)", ok(1)],
    ["contains('foobar', 'oba')", ok(true)],
    ["contains('foobar', `1`)", ok(false)],
    ["contains(`[\"a\", 1, null]`, `1`)", ok(true)],
    ["contains(`[\"a\", 1, null]`, `null`)", ok(true)],
    ["contains(`[\"a\"]`, 'b')", ok(false)],
    ["contains(`[[1]]`, `[1]`)", err(/comparing uncomparable type/)],
    ["map(&a, `[{\"a\": 1}, {}]`)", ok([1, null])],
    ["max(`[1, 3, 2]`)", ok(3)],
    ["max(`[\"a\", \"c\", \"b\"]`)", ok("c")],
    ["max(`[]`)", ok(null)],
    ["max(`[1, \"a\"]`)", err(/^Invalid type for/)],
    ["min(`[3, 1, 2]`)", ok(1)],
    ["max_by(`[{\"n\": 1}, {\"n\": 5}]`, &n)", ok({ n: 5 })],
    ["min_by(`[{\"n\": 1}, {\"n\": 5}]`, &n)", ok({ n: 1 })],
    ["merge(labels, `{\"app\": \"x\", \"new\": 1}`)", ok({ app: "x", tier: "frontend", new: 1 })],
    ["labels | merge(@, {breakglass: null})", ok({ app: "web", tier: "frontend", breakglass: null })],
    ["merge()", err(/^Invalid arity\.$/)],
    ["type(`null`)", ok("null")],
    ["type(`{}`)", ok("object")],
    ["type(`true`)", ok("boolean")],
    ["keys(labels)", ok(["app", "tier"])],
    ["values(labels)", ok(["web", "frontend"])],
    ["sort(`[3, 1, 2]`)", ok([1, 2, 3])],
    ["sort(`[\"b\", \"B\", \"a\"]`)", ok(["B", "a", "b"])],
    ["sort_by(`[{\"n\": \"b\"}, {\"n\": \"a\"}]`, &n)", ok([{ n: "a" }, { n: "b" }])],
    ["sort_by(`[{\"n\": \"b\"}, {\"n\": 1}]`, &n)", err(/^error in sort_by comparison$/)],
    ["join(', ', `[\"a\", \"b\"]`)", ok("a, b")],
    ["join(', ', `[\"a\", 1]`)", err(/^Invalid type for/)],
    ["reverse('abc')", ok("cba")],
    ["reverse(`[1, 2]`)", ok([2, 1])],
    ["to_array('a')", ok(["a"])],
    ["to_array(`[1]`)", ok([1])],
    ["to_array(`null`)", ok([null])],
    ["to_string('a')", ok("a")],
    ["to_string(`{\"b\": 1, \"a\": \"<&>\"}`)", ok('{"a":"\\u003c\\u0026\\u003e","b":1}')],
    ["to_string(`1.5`)", ok("1.5")],
    ["to_number('42')", ok(42)],
    ["to_number('1e3')", ok(1000)],
    ["to_number('0x10p0')", ok(16)],
    ["to_number('abc')", ok(null)],
    ["to_number(`true`)", ok(null)],
    ["not_null(`null`, `null`, 'x')", ok("x")],
    // Kyverno's functions
    ["compare('a', 'b')", ok(-1)],
    ["equal_fold('Go', 'GO')", ok(true)],
    ["replace('a-a-a', '-', '+', `1`)", ok("a+a-a")],
    ["replace('a-a-a', '-', '+', `-1`)", ok("a+a+a")],
    ["replace_all('a-a-a', '-', '')", ok("aaa")],
    ["to_upper('abc')", ok("ABC")],
    ["to_lower('ABC')", ok("abc")],
    ["to_upper(`1`)", err(/^Invalid type for: 1/)],
    ["trim('--x--', '-')", ok("x")],
    ["trim_prefix('docker.io/nginx', 'docker.io/')", ok("nginx")],
    ["split('a,b,,c', ',')", ok(["a", "b", "", "c"])],
    ["split('ab', '')", ok(["a", "b"])],
    ["regex_replace_all('h.*', '2160h0m0s', '')", ok("2160")],
    ["regex_replace_all('(a)(b)?', 'xaby', '[$1|$2]')", ok("x[a|b]y")],
    ["regex_replace_all('a*', 'baaac', 'X')", ok("XbXcX")],
    ["regex_replace_all('(?P<d>[0-9]+)', `8080`, '<${d}>')", ok("<8080>")],
    ["regex_replace_all_literal('[0-9]', 'a1b2', '$1')", ok("a$1b$1")],
    ["regex_match('^[a-z]+$', 'abc')", ok(true)],
    ["regex_match('^8080$', `8080`)", ok(true)],
    ["regex_match('^0.1$', `0.1`)", ok(true)],
    ["regex_match('[', 'x')", err(/^JMESPath function 'regex_match': error parsing regexp: missing closing \]/)],
    ["regex_match('a', `true`)", err(/^Invalid type for: true/)],
    ["pattern_match('nginx:*', 'nginx:1.2')", ok(true)],
    ["pattern_match('?', 'ab')", ok(false)],
    ["label_match(`{\"app\": \"web\"}`, labels)", ok(true)],
    ["label_match(`{\"app\": \"db\"}`, labels)", ok(false)],
    ["label_match(`{}`, labels)", ok(true)],
    ["to_boolean('TrUe')", ok(true)],
    ["to_boolean('no')", err(/^JMESPath function 'to_boolean': lowercase argument must be 'true' or 'false' \(provided: 'no'\)$/)],
    // arithmetic: numbers, quantities (strings that parse as quantities come first) and durations
    ["add(`1`, `2`)", ok(3)],
    ["add('1Gi', '512Mi')", ok("1536Mi")],
    ["add('1', '2')", ok("3")],
    ["add('1h', '30s')", ok("1h0m30s")],
    ["add('1Gi', '1h')", err(/^JMESPath function 'add': Types mismatch$/)],
    ["add('1h', '1h30m')", ok("2h30m0s")],
    ["add(`1`, '2')", err(/^JMESPath function 'add': Types mismatch$/)],
    ["add(`1`, `true`)", err(/^JMESPath function 'add': invalid operand$/)],
    ["subtract('2', '500m')", ok("1500m")],
    ["subtract(`5`, `7`)", ok(-2)],
    ["subtract('1h', '1h30m')", ok("-30m0s")],
    ["subtract('1h', '90m')", err(/Types mismatch/)], // '90m' parses as a quantity (90 milli) before a duration
    ["multiply('1.5Gi', `2`)", ok("3Gi")],
    ["multiply(`3`, '250m')", ok("750m")],
    ["multiply('1m30s', `2`)", ok("3m0s")],
    ["multiply('1Gi', '1Gi')", err(/Types mismatch/)],
    ["divide(`6`, `4`)", ok(1.5)],
    ["divide('1Gi', '512Mi')", ok(2)],
    ["divide('3Gi', `2`)", ok("1536Mi")],
    ["divide('1', `3`)", ok("0")],
    ["divide('1h', '30m0s')", ok(2)],
    ["divide('1h', `4`)", ok("15m0s")],
    ["divide(`1`, `0`)", err(/^JMESPath function 'divide': Zero divisor passed$/)],
    ["modulo(`7`, `3`)", ok(1)],
    ["modulo(`-7`, `3`)", ok(-1)],
    ["modulo(`7.5`, `3`)", err(/Non-integer argument\(s\) passed for modulo/)],
    ["modulo('7Gi', '3Gi')", ok("1Gi")],
    ["modulo('50s', '20s')", ok("10s")],
    ["sum(`[1, 2, 3.5]`)", ok(6.5)],
    ["sum(['1Gi', '1Gi', '512Mi'])", ok("2560Mi")],
    ["sum(['x'])", ok("x")], // a single element is returned as is
    ["sum(`[]`)", err(/^JMESPath function 'sum': at least one element in the array is required$/)],
    ["round(`2.5`, `0`)", ok(3)],
    ["round(`-2.5`, `0`)", ok(-3)],
    ["round(`1.2345`, `2`)", ok(1.23)],
    ["round(`1.5`, `0.5`)", err(/Non-integer argument\(s\) passed for round off/)],
    ["base64_decode('aGVsbG8=')", ok("hello")],
    ["base64_decode('aGVsbG8')", err(/^illegal base64 data at input byte/)],
    ["base64_encode('hello')", ok("aGVsbG8=")],
    // time (clock fixed at 2024-01-01T00:00:00Z)
    ["time_since('', '2023-12-31T00:00:00Z', '')", ok("24h0m0s")],
    ["time_since('', '2024-01-01T00:00:00Z', '2024-01-01T00:00:01.5Z')", ok("1.5s")],
    ["time_since('2006-01-02', '2023-12-25', '2024-01-01')", ok("168h0m0s")],
    ["time_since('', 'yesterday', '')", err(/^parsing time "yesterday"/)],
    ["time_now()", ok("2024-01-01T00:00:00Z")],
    ["time_now_utc()", ok("2024-01-01T00:00:00Z")],
    ["time_add('2021-01-01T00:00:00+05:00', '90m')", ok("2021-01-01T01:30:00+05:00")],
    ["time_to_cron('2021-03-07T10:30:00Z')", ok("30 10 7 3 0")],
    ["time_parse('2006-01-02', '2021-01-02')", ok("2021-01-02T00:00:00Z")],
    ["time_parse('Jan 2, 2006 at 3:04pm (MST)', 'Feb 3, 2013 at 7:54pm (PST)')", ok("2013-02-03T19:54:00Z")],
    ["time_parse('1', '1609459200')", ok("2021-01-01T00:00:00Z")],
    ["time_utc('2021-01-01T05:00:00+05:00')", ok("2021-01-01T00:00:00Z")],
    ["time_diff('2021-01-01T00:00:00Z', '2021-01-02T01:00:00Z')", ok("25h0m0s")],
    ["time_before('2021-01-01T00:00:00Z', '2021-01-02T00:00:00Z')", ok(true)],
    ["time_after('2021-01-01T00:00:00Z', '2021-01-02T00:00:00Z')", ok(false)],
    ["time_between('2021-01-02T00:00:00Z', '2021-01-01T00:00:00Z', '2021-01-03T00:00:00Z')", ok(true)],
    ["time_truncate('2021-01-02T03:04:05Z', '1h')", ok("2021-01-02T03:00:00Z")],
    ["path_canonicalize('/var//run/../lib/')", ok("/var/lib")],
    ["path_canonicalize('/../../')", ok("/")],
    ["truncate('Lorem ipsum', `5`)", ok("Lorem")],
    ["truncate('Lorem ipsum', `2.6`)", ok("Lo")],
    ["truncate('Lorem ipsum', `-1`)", ok("")],
    ["parse_json('{\"a\": [1, \"x\"]}')", ok({ a: [1, "x"] })],
    ["parse_json('nope')", err(/invalid character 'o'|invalid/)],
    ["parse_yaml('a: 1')", ok({ a: 1 })],
    ["parse_yaml('[on, off, 2021-01-01]')", ok([true, false, "2021-01-01"])],
    ["lookup(labels, 'app')", ok("web")],
    ["lookup(labels, 'nope')", ok(null)],
    ["lookup(`[\"a\", \"b\"]`, `1`)", ok("b")],
    ["lookup(`[\"a\"]`, `5`)", ok(null)],
    ["lookup(`[\"a\"]`, 'x')", err(/^JMESPath function 'lookup': argument #2 is not of type Number$/)],
    ["items(`{\"b\": 1, \"a\": 2}`, 'k', 'v')", ok([{ k: "a", v: 2 }, { k: "b", v: 1 }])],
    ["items(`[\"x\", \"y\"]`, 'i', 'v')", ok([{ i: 0, v: "x" }, { i: 1, v: "y" }])],
    ["object_from_lists(`[\"a\", \"b\"]`, `[1]`)", ok({ a: 1, b: null })],
    ["image_normalize('nginx')", ok("docker.io/nginx:latest")],
    ["image_normalize('ghcr.io/org/app:v1')", ok("ghcr.io/org/app:v1")],
    ["image_normalize('Nginx')", err(/repository name must be lowercase/)],
    ["md5('abc')", ok("900150983cd24fb0d6963f7d28e17f72")],
    ["sha1('abc')", ok("a9993e364706816aba3e25717850c26c9cd0d89d")],
    ["sha256('abc')", ok("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")],
    // registered by Kyverno, not reproduced by this engine
    ["semver_compare('1.2.3', '>1.0.0')", err(/^JMESPath function 'semver_compare': not supported by this engine$/)],
    ["random('[a-z]{5}')", err(/not supported by this engine/)],
    ["x509_decode('x')", err(/not supported by this engine/)],
    ["is_external_url('http://10.0.0.1')", err(/not supported by this engine/)],
    // arity and types are checked before Kyverno's handlers run
    ["split('a')", err(/^incorrect number of args$/)],
    ["time_now('ignored')", ok("2024-01-01T00:00:00Z")], // no declared arguments: none are checked
  ];
  it.each(cases)("%s", (expr, want) => check(expr, want, OBJ));

  it("the table calls every function Kyverno's JMESPath knows", () => {
    const called = new Set(cases.flatMap(([e]) => compile(e).functions));
    expect(FUNCTION_NAMES.filter((f) => !called.has(f))).toEqual([]);
    expect(UNSUPPORTED_FUNCTIONS.every((f) => FUNCTION_NAMES.includes(f))).toBe(true);
  });
});

describe("the JSON context", () => {
  it("createContext mirrors NewPolicyContext: object, namespace, operation, images; no userInfo unless given", () => {
    const ctx = createContext({ object: POD });
    expect(query(ctx, "request.operation")).toBe("CREATE");
    expect(query(ctx, "request.namespace")).toBe("shop");
    expect(query(ctx, "request.object.metadata.name")).toBe("web");
    expect(() => query(ctx, "request.userInfo")).toThrow(QueryError);
    expect(() => query(ctx, "serviceAccountName")).toThrow('JMESPath query failed: Unknown key "serviceAccountName" in path');
    expect(query(ctx, "images.containers.app")).toEqual({
      registry: "docker.io",
      name: "nginx",
      path: "nginx",
      tag: "1.25",
      reference: "docker.io/nginx:1.25",
      referenceWithTag: "docker.io/nginx:1.25",
      jsonPointer: "/spec/containers/0/image",
    });
    expect(query(ctx, "images.initContainers.init.tag")).toBe("latest");
    expect(query(ctx, "images.containers.*.registry | [0]")).toBe("docker.io");
  });

  it("user info adds request.userInfo/roles/clusterRoles and the service account split", () => {
    const ctx = createContext({
      object: POD,
      userInfo: { roles: ["ns:r"], userInfo: { username: "system:serviceaccount:kube-system:replicaset-controller", groups: ["system:serviceaccounts"] } },
    });
    expect(query(ctx, "request.userInfo")).toEqual({ username: "system:serviceaccount:kube-system:replicaset-controller", groups: ["system:serviceaccounts"] });
    expect(query(ctx, "request.roles")).toEqual(["ns:r"]);
    expect(() => query(ctx, "request.clusterRoles")).toThrow(/Unknown key "clusterRoles"/);
    expect(query(ctx, "[serviceAccountName, serviceAccountNamespace]")).toEqual(["replicaset-controller", "kube-system"]);
    expect(query(createContext({ object: POD, userInfo: { userInfo: { username: "alice" } } }), "serviceAccountName")).toBe("");
  });

  it("an AdmissionRequest goes under `request` as is", () => {
    const ctx = createContext({ request: { uid: "1", operation: "UPDATE", object: POD, oldObject: POD, namespace: "shop" } });
    expect(query(ctx, "request.uid")).toBe("1");
    expect(ctx.operation).toBe("UPDATE");
    expect(query(ctx, "images.containers.sidecar.tag")).toBe("latest");
  });

  it("values-file variables: dotted keys (quotes protect dots) merge into the context", () => {
    let ctx = createContext({ object: POD });
    ctx = withVariable(ctx, "podprioritydict.data.default", '["high-priority"]');
    ctx = withVariable(ctx, 'cm."a.b"', "x");
    ctx = withVariable(ctx, "request.object.metadata.name", "renamed");
    expect(query(ctx, "podprioritydict.data.default")).toBe('["high-priority"]');
    expect(query(ctx, 'cm."a.b"')).toBe("x");
    expect(query(ctx, "request.object.metadata.name")).toBe("renamed");
    expect(query(ctx, "request.object.metadata.labels.app")).toBe("web"); // maps merge
    expect(splitVariableKey('a."b.c".d')).toEqual(["a", "b.c", "d"]);
    expect(() => splitVariableKey('a"b')).toThrow(/bare " in non-quoted-field/);
  });

  it("context entries and foreach elements", () => {
    let ctx = withContextEntry(createContext({ object: POD }), "cm", { data: { allowed: "a,b" } });
    ctx = withElement(ctx, { name: "app" }, 1);
    expect(query(ctx, "split(cm.data.allowed, ',')")).toEqual(["a", "b"]);
    expect(query(ctx, "[element.name, element0.name, elementIndex, elementIndex0]")).toEqual(["app", "app", 1, 1]);
    expect(query(withElement(ctx, "x", 0), "element")).toBe("x"); // elements replace, never merge
  });

  it("query and evaluateList errors carry Kyverno's wording", () => {
    const ctx = createContext({ object: POD });
    expect(() => query(ctx, "  ")).toThrow(/^invalid query \(nil\)$/);
    expect(() => query(ctx, "a.")).toThrow(/^incorrect query a\.: SyntaxError: Expected identifier, lbracket, or lbrace$/);
    try {
      query(ctx, "request.object.spec.nope");
      expect.fail("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(QueryError);
      expect((e as QueryError).unknownKey).toBe("nope");
      expect(isUnknownKeyError(e)).toBe(true);
    }
    expect(evaluateList(ctx, "request.object.spec.[initContainers, containers][].name")).toEqual(["init", "app", "sidecar"]);
    expect(evaluateList(ctx, "request.object.spec.volumes")).toEqual([null]);
    expect(() => evaluateList(ctx, "request.object.spec.ephemeralContainers")).toThrow(/Unknown key "ephemeralContainers"/);
  });

  it("image extraction follows Kyverno's extractors and reference grammar", () => {
    const dep = { kind: "Deployment", spec: { template: { spec: { containers: [{ name: "a", image: "localhost:5000/x/y:1" }, { name: "b", image: "my_reg/app" }] } } } };
    expect(imageInfos(dep)).toEqual({
      containers: {
        a: { registry: "localhost:5000", name: "y", path: "x/y", tag: "1", reference: "localhost:5000/x/y:1", referenceWithTag: "localhost:5000/x/y:1", jsonPointer: "/spec/template/spec/containers/0/image" },
        b: { registry: "docker.io", name: "app", path: "my_reg/app", tag: "latest", reference: "docker.io/my_reg/app:latest", referenceWithTag: "docker.io/my_reg/app:latest", jsonPointer: "/spec/template/spec/containers/1/image" },
      },
    });
    expect(imageInfos({ kind: "ConfigMap", data: {} })).toEqual({});
    // a bad image makes the deferred `images` loader fail only for queries that mention images
    const ctx = createContext({ object: { kind: "Pod", metadata: {}, spec: { containers: [{ name: "a", image: "UPPER/Case" }] } } });
    expect(() => query(ctx, "images.containers")).toThrow(/invalid image 'UPPER\/Case'/);
    expect(query(ctx, "request.operation")).toBe("CREATE");
  });
});

describe("{{ }} substitution", () => {
  const base = withContextEntry(
    withContextEntry(createContext({ object: POD, now: NOW }), "saMap", { data: { builder: "allowed" } }),
    "created",
    "2023-12-31T23:00:00Z",
  );
  const ctx = withContextEntry(base, "tpl", { text: "{{ request.object.metadata.name }}" });

  const cases: [JsonValue, JsonValue, string?][] = [
    // a whole-string variable keeps the JSON type of its value
    ["{{ request.object.metadata.name }}", "web"],
    ["{{request.object.spec.containers[0].ports[0].containerPort}}", 80],
    ["{{ request.object.spec.hostNetwork }}", false],
    ["{{ request.object.metadata.labels }}", { app: "web", tier: "frontend" }],
    ["{{ request.object.spec.volumes }}", null],
    ["{{ request.object.spec.containers[].name }}", ["app", "sidecar"]],
    // embedded variables are spliced in: strings as is, the rest as Go's json.Marshal (sorted keys, HTML-escaped)
    ["port {{ request.object.spec.containers[0].ports[0].containerPort }}", "port 80"],
    [" {{ request.object.spec.hostNetwork }}", " false"],
    ["v={{ request.object.spec.volumes }}", "v=null"],
    ["l={{ request.object.metadata.labels }}", 'l={"app":"web","tier":"frontend"}'],
    ["a={{ request.object.metadata.annotations }}", 'a={"note":"\\u003cb\\u003e\\u0026","team.io/owner":"ops"}'],
    ["{{ request.object.metadata.name }}/{{ request.namespace }}", "web/shop"],
    ["{{ request.object.spec.missing || '' }}", ""],
    ["{{ request.object.spec.missing || `[]` }}", []],
    // `\{{` escapes (the backslash goes away); nested variables resolve innermost first
    ["\\{{ request.object.metadata.name }}", "{{ request.object.metadata.name }}"],
    ["x \\{{ literal }} {{ request.namespace }}", "x {{ literal }} shop"],
    ['{{ saMap.data."{{ request.object.spec.serviceAccountName }}" }}', "allowed"],
    ["{{ time_since('', '{{ created }}', '') }}", "1h0m0s"],
    // substituted text is scanned again unless it was the whole string; `{{- }}` never re-scans
    ["{{ tpl.text }}", "{{ request.object.metadata.name }}"],
    ["text: {{ tpl.text }}", "text: web"],
    ["text: {{- tpl.text }}", "text: {{ request.object.metadata.name }}"],
    // maps, lists and map keys
    [{ "{{ request.object.metadata.name }}": ["{{ request.object.kind }}", 1, null, true] }, { web: ["Pod", 1, null, true] }],
    [{ key: "{{ request.object.metadata.labels }}" }, { key: { app: "web", tier: "frontend" } }],
    // {{@}}: the value at the same place in request.object (past the two rule keys, e.g. validate/pattern)
    [{ spec: { containers: [{ image: "{{@}}" }] } }, { spec: { containers: [{ image: "nginx:1.25" }] } }, "/validate/pattern"],
    [{ metadata: { name: "{{ @ }}-x" } }, { metadata: { name: "web-x" } }, "/validate/foreach/0/pattern"],
    [{ metadata: { annotations: { "team.io/owner": "{{@}}" } } }, { metadata: { annotations: { "team.io/owner": "ops" } } }, "/validate/pattern"],
  ];
  it.each(cases)("%j", (input, want, at) => {
    expect(substitute(input, ctx, at === undefined ? {} : { path: at })).toEqual(want);
  });

  it("a missing key in a plain path is an UnknownKeyError with Kyverno's message", () => {
    const run = (): JsonValue => substitute({ key: "{{ request.object.spec.sourceRef.namespace }}" }, ctx, { path: "/validate/deny/conditions/any/0" });
    expect(run).toThrow(UnknownKeyError);
    expect(run).toThrow(
      'failed to resolve request.object.spec.sourceRef.namespace at path /validate/deny/conditions/any/0/key: JMESPath query failed: Unknown key "sourceRef" in path',
    );
    try {
      run();
    } catch (e) {
      expect((e as UnknownKeyError).key).toBe("sourceRef");
      expect(isUnknownKeyError(e)).toBe(true);
    }
  });

  it("other failures are SubstitutionErrors, not UnknownKeyErrors", () => {
    const cases: [JsonValue, RegExp][] = [
      ["{{ }}", /^failed to resolve  at path : invalid query \(nil\)$/],
      ["{{ request.object.[ }}", /^failed to resolve request\.object\.\[ at path : incorrect query request\.object\.\[: SyntaxError: Incomplete expression$/],
      ["{{ length(request.object.spec.missing) }}", /JMESPath query failed: Invalid type for: <nil>/],
      [{ "{{ request.object.spec.hostNetwork }}": 1 }, /^expected string after substituting variables in key "\{\{ request\.object\.spec\.hostNetwork \}\}"$/],
      ["x {{- request.object.metadata.labels }}", /interface conversion/],
    ];
    for (const [input, msg] of cases) {
      expect(() => substitute(input, ctx), JSON.stringify(input)).toThrow(msg);
      try {
        substitute(input, ctx);
      } catch (e) {
        expect(e).toBeInstanceOf(SubstitutionError);
        expect(e).not.toBeInstanceOf(UnknownKeyError);
      }
    }
  });

  it("{{@}} at an anchored key reads the anchor literally (Unknown key), as Kyverno does", () => {
    expect(() => substitute({ spec: { "=(hostNetwork)": "{{@}}" } }, ctx, { path: "/validate/pattern" })).toThrow(
      /failed to resolve request\.object\.spec\."=\(hostNetwork\)" at path \/validate\/pattern\/spec\/=\(hostNetwork\): JMESPath query failed: Unknown key "=\(hostNetwork\)"/,
    );
  });

  it("a key whose variable yields null keeps its text", () => {
    expect(substitute({ "{{ request.object.spec.volumes }}": 1 }, ctx)).toEqual({ "{{ request.object.spec.volumes }}": 1 });
  });

  it("on DELETE request.object in variables reads request.oldObject", () => {
    const del: VariableContext = createContext({ oldObject: POD, operation: "DELETE" });
    expect(() => query(del, "request.object")).toThrow(/Unknown key "object"/); // only request.oldObject is set
    expect(substitute("{{ request.object.metadata.name }}", del)).toBe("web");
    expect(substitute("{{ request.operation || 'BACKGROUND' }}", del)).toBe("DELETE");
  });

  it("foreach elements and values-file variables substitute like any context entry", () => {
    const first = ((POD["spec"] as JsonObject)["containers"] as JsonValue[])[0]!;
    const el = withVariable(withElement(ctx, first, 0), "allowed", '["nginx"]');
    expect(substitute("{{ element.name }}#{{ elementIndex }}: {{ allowed }}", el)).toBe('app#0: ["nginx"]');
    expect(substitute("{{ element.securityContext.privileged }}", el)).toBe(true);
  });

  describe("the expectations of Kyverno's own substitution tests (pkg/engine/variables/vars_test.go)", () => {
    const meta = { metadata: { name: "temp", namespace: "n1", annotations: { test: "name" } }, spec: { kind: "foo", namespace: "n1", name: "temp1" } };
    const k = createContext({ object: meta, images: false });

    it("{{@}} under mutate.overlay reads the same place in request.object", () => {
      const pattern = { mutate: { overlay: { spec: { kind: "{{@}}", data: { rules: [{ apiGroups: ["{{request.object.metadata.name}}"], verbs: ["*"] }] } } } } };
      expect(substitute(pattern, k)).toEqual({ mutate: { overlay: { spec: { kind: "foo", data: { rules: [{ apiGroups: ["temp"], verbs: ["*"] }] } } } } });
    });

    it("nested variables resolve inner-first; a failing inner or outer lookup is an error", () => {
      expect(substitute('"{{request.object.metadata.{{request.object.metadata.annotations.test}}}}"', k, { path: "/" })).toBe('"temp"');
      expect(() => substitute('"{{request.object.metadata.{{request.object.metadata.annotations.test2}}}}"', k, { path: "/" })).toThrow(UnknownKeyError);
      expect(() => substitute('"{{request.object.metadata2.{{request.object.metadata.annotations.test}}}}"', k, { path: "/" })).toThrow(UnknownKeyError);
    });

    it("{{- }} substitutes without re-scanning its value", () => {
      const s = withContextEntry(
        withContextEntry(withContextEntry(withContextEntry(k, "variableWithVariables", "{{ DO_NOT_SUBSTITUTE_ME {{OR_ME}} }}"), "foo", "bar"), "foo2", "bar2"),
        "variablesNested",
        "{{foo2}}",
      );
      expect(substitute('"{{- variableWithVariables }} {{foo}} {{variablesNested}}"', s)).toBe('"{{ DO_NOT_SUBSTITUTE_ME {{OR_ME}} }} bar bar2"');
      expect(substitute('"{{foo}} {{- variableWithVariables }} {{variablesNested}}"', s)).toBe('"bar {{ DO_NOT_SUBSTITUTE_ME {{OR_ME}} }} bar2"');
      expect(() => substitute('"{{- variableWithVariables {{foo}} {{variablesNested}} }}"', s)).toThrow("failed to resolve variableWithVariables bar bar2");
    });

    it("a DELETE request (request.operation, no ctx operation) reads request.oldObject, nested variables too", () => {
      const raw: VariableContext = {
        operation: "",
        data: {
          request: {
            operation: "DELETE",
            object: { metadata: { name: "curr", annotations: { target: "foo" } } },
            oldObject: { metadata: { name: "old", annotations: { target: "bar", targetnew: "target" } } },
          },
        },
      };
      expect(substitute("{{request.object.metadata.annotations.target}}", raw)).toBe("bar");
      expect(substitute("{{request.object.metadata.annotations.{{request.object.metadata.annotations.targetnew}}}}", raw)).toBe("bar");
    });
  });

  it("findVariables lists the expressions innermost first", () => {
    expect(findVariables("{{ time_since('', '{{ imageData.configData.created }}', '') }}")).toEqual([
      "imageData.configData.created",
      "time_since('', 'placeholderValue', '')",
    ]);
    expect(findVariables("a \\{{ not }} {{- b }} {{c}}")).toEqual(["b", "c"]);
  });
});

// ------------------------------------------------------------------------------------------------ the corpus

const KYVERNO = "kyverno";

interface CorpusExpr {
  file: string;
  kind: "variable" | "deny-key" | "foreach-list" | "context-jmesPath";
  text: string;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(f)) out.push(p);
  }
  return out;
}

/** Every `{{ }}` expression in any string (and map key), plus the JMESPath fields of Kyverno policies. */
function collectCorpus(root: string): CorpusExpr[] {
  const out: CorpusExpr[] = [];
  for (const file of yamlFiles(root)) {
    const rel = path.relative(root, file);
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      if (doc.errors.length > 0) continue;
      const js = doc.toJS() as unknown;
      const strings = (v: unknown, visit: (s: string) => void): void => {
        if (typeof v === "string") visit(v);
        else if (Array.isArray(v)) v.forEach((x) => strings(x, visit));
        else if (v && typeof v === "object")
          for (const [k, x] of Object.entries(v)) {
            visit(k);
            strings(x, visit);
          }
      };
      strings(js, (s) => findVariables(s).forEach((text) => out.push({ file: rel, kind: "variable", text })));
      if (!js || typeof js !== "object" || !/^kyverno\.io\//.test(String((js as JsonObject)["apiVersion"] ?? ""))) continue;
      const rules = ((js as { spec?: { rules?: unknown[] } }).spec?.rules ?? []) as JsonObject[];
      const conditionKeys = (conditions: unknown): unknown[] => {
        if (Array.isArray(conditions)) return conditions.map((c) => (c as JsonObject)?.["key"]);
        if (conditions && typeof conditions === "object") {
          const c = conditions as JsonObject;
          return [...((c["any"] as JsonObject[] | null) ?? []), ...((c["all"] as JsonObject[] | null) ?? [])].map((x) => x?.["key"]);
        }
        return [];
      };
      const foreachs = (list: unknown): void => {
        for (const fe of (Array.isArray(list) ? list : []) as JsonObject[]) {
          if (typeof fe?.["list"] === "string") out.push({ file: rel, kind: "foreach-list", text: fe["list"] });
          for (const key of conditionKeys((fe?.["deny"] as JsonObject | undefined)?.["conditions"]))
            out.push({ file: rel, kind: "deny-key", text: typeof key === "string" ? key : JSON.stringify(key ?? null) });
          for (const c of ((fe?.["context"] as JsonObject[] | undefined) ?? []) as JsonObject[]) contextEntry(c);
          foreachs(fe?.["foreach"]);
        }
      };
      const contextEntry = (c: JsonObject): void => {
        for (const kind of ["variable", "apiCall", "imageRegistry", "globalReference"]) {
          const jp = (c?.[kind] as JsonObject | undefined)?.["jmesPath"];
          if (typeof jp === "string") out.push({ file: rel, kind: "context-jmesPath", text: jp });
        }
      };
      for (const rule of rules) {
        for (const c of ((rule["context"] as JsonObject[] | undefined) ?? []) as JsonObject[]) contextEntry(c);
        const validate = (rule["validate"] ?? {}) as JsonObject;
        for (const key of conditionKeys((validate["deny"] as JsonObject | undefined)?.["conditions"]))
          out.push({ file: rel, kind: "deny-key", text: typeof key === "string" ? key : JSON.stringify(key ?? null) });
        foreachs(validate["foreach"]);
      }
    }
  }
  return out;
}

/** The JMESPath expressions Kyverno evaluates for one collected item. A raw field (foreach list, context
 * jmesPath) is compiled after its variables are replaced by a placeholder, as Kyverno's replaceSubstituteVariables. */
function expressionsOf(e: CorpusExpr): string[] {
  if (e.kind === "variable") return [e.text];
  const vars = findVariables(e.text);
  if (e.kind === "deny-key") return vars; // the key is substituted; a literal key has nothing to compile
  // inside a backtick JSON literal the placeholder must be JSON (label_match(x, `{{ labels }}`) splices a map)
  let raw = e.text;
  const re = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const at = m.index + m[1]!.length;
    const inLiteral = (raw.slice(0, at).match(/(?<!\\)`/g) ?? []).length % 2 === 1;
    raw = raw.slice(0, at) + (inLiteral ? "{}" : "placeholderValue") + raw.slice(at + m[2]!.length);
  }
  return [raw, ...vars];
}

describe.skipIf(!haveCorpus("kyverno-jmespath", KYVERNO))("corpus/kyverno: every expression compiles", () => {
  it("compiles every {{ }} variable, deny-condition key, foreach list and context jmesPath", () => {
    const items = collectCorpus(corpusPath(KYVERNO));
    const failures: string[] = [];
    const unknownFunctions = new Set<string>();
    const unsupported = new Set<string>();
    const counts = new Map<CorpusExpr["kind"], { total: number; parsed: number }>();
    for (const item of items) {
      const c = counts.get(item.kind) ?? { total: 0, parsed: 0 };
      counts.set(item.kind, c);
      c.total++;
      let good = true;
      for (const expr of expressionsOf(item)) {
        try {
          for (const f of compile(expr).functions) {
            if (!FUNCTION_NAMES.includes(f)) unknownFunctions.add(`${f} (${item.file})`);
            else if (UNSUPPORTED_FUNCTIONS.includes(f)) unsupported.add(`${f} (${item.file})`);
          }
        } catch (e) {
          good = false;
          failures.push(`${item.file}: ${item.kind} ${JSON.stringify(expr)}: ${(e as Error).message}`);
        }
      }
      if (good) c.parsed++;
    }
    const summary = [...counts].map(([k, c]) => `${k} ${c.parsed}/${c.total}`).join(", ");
    console.log(`[kyverno-jmespath] corpus expressions compiled: ${summary}`);
    if (unsupported.size) console.log(`[kyverno-jmespath] functions this engine does not evaluate: ${[...unsupported].join(", ")}`);
    expect(counts.get("variable")?.total ?? 0).toBeGreaterThan(200);
    expect(counts.get("deny-key")?.total ?? 0).toBeGreaterThan(50);
    expect(failures).toEqual([]);
    expect([...unknownFunctions]).toEqual([]);
  });
});
