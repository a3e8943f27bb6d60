// IR → CEL emission: exact text per predicate form (escaping, guards, precedence, literals), and behaviour:
// every emitted expression type-checks in the 1.35 admission environment and evaluates to the intended truth
// value — never an error — on objects where the paths are absent, present, or partially present.
import { describe, expect, it } from "vitest";
import { celLiteral, celString, emitPredicate, emitViolations, globToRe2 } from "../src/cel/emit/index.js";
import { P, path, root, simplify, type Mutation, type Pred } from "../src/ir/model.js";
import { k8sLibraries, mapLibraries } from "../src/cel/k8s/index.js";
import { stdLibraries } from "../src/cel/stdlib/index.js";
import { T } from "../src/cel/types.js";
import { fromJSON, toJSON } from "../src/cel/values.js";
import { admissionEnv, compileAdmission } from "../src/vap/celenv.js";
import { mutationToJsonPatch } from "../src/vap/build.js";

const o = (s: string) => path(root.object, s);
const v = (name: string, s = "") => path(root.v(name), s);
const env = admissionEnv({ version: "1.35", hasParams: false, hasAuthorizer: true });

function run(expr: string, object: unknown): unknown {
  const c = compileAdmission(env, expr);
  if (!c.ok) throw new Error(`${c.error}\n${expr}`);
  try {
    return toJSON(c.program.eval({ object: fromJSON(object), oldObject: null }));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe("literals", () => {
  it.each([
    [null, "null"], [true, "true"], [0, "0"], [-5, "-5"], [1.5, "1.5"], [{ double: 2 }, "2.0"], [1e21, "1e+21"],
    ["it's", "'it\\'s'"], ["a\\b\n", "'a\\\\b\\n'"], [[1, "x"], "[1, 'x']"], [{ "a/b": 1 }, "{'a/b': 1}"],
    [9007199254740991, "9007199254740991"],
  ] as const)("%j → %s", (json, text) => {
    expect(celLiteral(json as never)).toBe(text);
  });
  it("globs become anchored RE2 with metacharacters escaped", () => {
    expect(globToRe2("a.b*?")).toBe("^a\\.b.*.$");
    expect(celString("\u0001")).toBe("'\\x01'");
  });
});

// [name, predicate, exact CEL text, [object, expected value][]]
const table: [string, Pred, string, [unknown, unknown][]][] = [
  ["present", P.present(o("spec.x")), "has(object.spec) && has(object.spec.x)", [[{}, false], [{ spec: {} }, false], [{ spec: { x: 1 } }, true]]],
  ["absent", P.absent(o("spec.x")), "!(has(object.spec) && has(object.spec.x))", [[{}, true], [{ spec: { x: 0 } }, false]]],
  ["compare, absent means true", P.cmp(o("spec.hostPID"), "!=", true, true), "!has(object.spec) || !has(object.spec.hostPID) || object.spec.hostPID != true",
    [[{}, true], [{ spec: {} }, true], [{ spec: { hostPID: true } }, false], [{ spec: { hostPID: false } }, true]]],
  ["compare, absent means false", P.cmp(o("spec.n"), ">=", 3, false), "has(object.spec) && has(object.spec.n) && object.spec.n >= 3",
    [[{}, false], [{ spec: { n: 3 } }, true], [{ spec: { n: 2 } }, false], [{ spec: { n: 3.5 } }, true]]],
  ["compare double literal", P.cmp(o("spec.n"), "<", { double: 2 }, false), "has(object.spec) && has(object.spec.n) && object.spec.n < 2.0", [[{ spec: { n: 1 } }, true]]],
  ["compare to another path", { k: "compare", ref: v("m", "name"), op: "==", rhs: { k: "ref", ref: v("x", "name") }, ifAbsent: false },
    "has(m.name) && m.name == x.name", []],
  ["map key with special chars", P.cmp(o("metadata.annotations[a.b/c]"), "==", "x", false),
    "has(object.metadata) && has(object.metadata.annotations) && 'a.b/c' in object.metadata.annotations && object.metadata.annotations['a.b/c'] == 'x'",
    [[{ metadata: { annotations: { "a.b/c": "x" } } }, true], [{ metadata: { annotations: {} } }, false], [{ metadata: {} }, false]]],
  ["reserved and dashed field names use index syntax", P.present(o("spec.namespace.my-field")),
    "has(object.spec) && 'namespace' in object.spec && 'my-field' in object.spec['namespace']",
    [[{ spec: { namespace: { "my-field": 1 } } }, true], [{ spec: {} }, false]]],
  ["in-set", P.in(o("spec.t"), ["a", "b"], true), "!has(object.spec) || !has(object.spec.t) || object.spec.t in ['a', 'b']", [[{ spec: { t: "c" } }, false], [{}, true]]],
  ["in mixed kinds", P.in(o("spec.t"), [1, "1"], false), "has(object.spec) && has(object.spec.t) && (object.spec.t == 1 || object.spec.t == '1')", [[{ spec: { t: "1" } }, true]]],
  ["contains", P.contains(o("spec.l"), "ALL", false), "has(object.spec) && has(object.spec.l) && 'ALL' in object.spec.l", [[{ spec: { l: ["ALL"] } }, true], [{ spec: { l: ["all"] } }, false]]],
  ["ranges", P.inRanges(o("spec.u"), [{ min: 1, max: 5 }, { min: 9, max: 9 }], false),
    "has(object.spec) && has(object.spec.u) && ((object.spec.u >= 1 && object.spec.u <= 5) || object.spec.u == 9)", [[{ spec: { u: 9 } }, true], [{ spec: { u: 6 } }, false]]],
  ["glob", P.match(o("spec.s"), { k: "glob", glob: "a*b?c" }, false), "has(object.spec) && has(object.spec.s) && object.spec.s.matches('^a.*b.c$')", [[{ spec: { s: "axxbyc" } }, true], [{ spec: { s: "abc" } }, false]]],
  ["glob prefix", P.match(o("spec.s"), { k: "glob", glob: "kube-*" }, false), "has(object.spec) && has(object.spec.s) && object.spec.s.startsWith('kube-')", []],
  ["regex", P.match(o("spec.s"), { k: "regex", re: "^x+$" }, false), "has(object.spec) && has(object.spec.s) && object.spec.s.matches('^x+$')", [[{ spec: { s: "xx" } }, true]]],
  ["path-segment prefix", P.match(o("p"), { k: "pathPrefix", prefix: "/foo/" }, false), "has(object.p) && (object.p == '/foo' || object.p.startsWith('/foo/'))",
    [[{ p: "/foo" }, true], [{ p: "/foo/" }, true], [{ p: "/foo/bar" }, true], [{ p: "/food" }, false]]],
  ["root path prefix", P.match(o("p"), { k: "pathPrefix", prefix: "/" }, false), "has(object.p) && (object.p == '' || object.p.startsWith('/'))", [[{ p: "/x" }, true], [{ p: "x" }, false]]],
  ["wildcard suffix", P.match(o("n"), { k: "wildcardSuffix", pattern: "kernel.*" }, false), "has(object.n) && object.n.startsWith('kernel.')", [[{ n: "kernel.shm" }, true], [{ n: "kernelx" }, false]]],
  ["multiset", P.match(o("l"), { k: "multisetAfter", prefix: "s0:", sep: ",", items: ["c2", "c1"] }, false),
    "has(object.l) && object.l.startsWith('s0:') && size(object.l.substring(3).split(',')) == 2 && size(object.l.substring(3).split(',').filter(x0, x0 == 'c1')) == 1 && size(object.l.substring(3).split(',').filter(x0, x0 == 'c2')) == 1",
    [[{ l: "s0:c2,c1" }, true], [{ l: "s0:c1,c1" }, false], [{ l: "s1:c1,c2" }, false]]],
  ["all over list", P.all(o("spec.containers"), "c", P.cmp(v("c", "securityContext.privileged"), "!=", true, true)),
    "!has(object.spec) || !has(object.spec.containers) || object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged != true)",
    [[{}, true], [{ spec: { containers: [{}, { securityContext: {} }] } }, true], [{ spec: { containers: [{ securityContext: { privileged: true } }] } }, false]]],
  ["any over list", P.any(o("l"), "e", P.cmp(v("e"), "==", 1, false)), "has(object.l) && object.l.exists(e, e == 1)", [[{ l: [2, 1] }, true], [{}, false]]],
  ["keys of a map", { k: "quant", q: "all", ref: o("v"), v: "k", body: P.in(v("k"), ["name", "secret"], false), ifAbsent: true, over: "keys" },
    "!has(object.v) || object.v.all(k, k in ['name', 'secret'])", [[{ v: { name: "a", secret: {} } }, true], [{ v: { name: "a", hostPath: {} } }, false]]],
  ["[*] in a leaf lowers to all", P.cmp(o("spec.containers[*].image"), "!=", "bad", true),
    "!has(object.spec) || !has(object.spec.containers) || object.spec.containers.all(e0, !has(e0.image) || e0.image != 'bad')", [[{ spec: { containers: [{ image: "bad" }] } }, false]]],
  ["coalesce: container else pod", P.inRanges({ k: "coalesce", paths: [v("c", "u"), o("spec.u")] }, [{ min: 1, max: 2 }], false),
    "has(c.u) ? c.u >= 1 && c.u <= 2 : (has(object.spec) && has(object.spec.u) ? object.spec.u >= 1 && object.spec.u <= 2 : false)", []],
  ["and / or / not precedence", P.or(P.and(P.present(o("a")), P.not(P.present(o("b")))), P.cmp(o("c"), "==", 1, false)),
    "has(object.a) && !has(object.b) || has(object.c) && object.c == 1", [[{ a: 1 }, true], [{ a: 1, b: 1 }, false], [{ c: 1 }, true]]],
  ["same-path leaves share one guard", P.or(P.cmp(o("spec.p"), "<=", 0, true), P.inRanges(o("spec.p"), [{ min: 80, max: 90 }], true)),
    "!has(object.spec) || !has(object.spec.p) || object.spec.p <= 0 || object.spec.p >= 80 && object.spec.p <= 90",
    [[{}, true], [{ spec: { p: 0 } }, true], [{ spec: { p: 85 } }, true], [{ spec: { p: 95 } }, false]]],
  ["constants fold", P.and(P.t, P.or(P.f, P.present(o("a")))), "has(object.a)", [[{}, false]]],
  ["authz requester", { k: "authz", check: { subject: { k: "requester" }, verb: "use", group: "policy", resource: "podsecuritypolicies", namespace: { k: "ref", ref: path(root.request, "namespace") }, name: "x" } },
    "authorizer.group('policy').resource('podsecuritypolicies').namespace(request.namespace).name('x').check('use').allowed()", []],
  ["authz service account", { k: "authz", check: { subject: { k: "serviceAccount", namespace: { k: "ref", ref: path(root.request, "namespace") }, name: { k: "ref", ref: o("spec.serviceAccountName"), ifAbsent: "default" } }, verb: "get", group: "", resource: "pods" } },
    "authorizer.serviceAccount(request.namespace, has(object.spec) && has(object.spec.serviceAccountName) ? object.spec.serviceAccountName : 'default').group('').resource('pods').check('get').allowed()", []],
  ["raw CEL escape hatch", P.or(P.cel("1 + 1 == 2"), P.present(o("a"))), "(1 + 1 == 2) || has(object.a)", [[{}, true]]],
];

describe("IR → CEL text", () => {
  it.each(table)("%s", (_n, pred, text) => {
    expect(emitPredicate(pred)).toBe(text);
  });
  it.each(table)("%s type-checks and evaluates without errors", (_n, pred, text, cases) => {
    // free element variables (c, m, x) are bound by enclosing comprehensions for the compile check
    const wrapped = `[{}].all(c, [{}].all(m, [{}].all(x, ${text})))`;
    const c = compileAdmission(env, wrapped);
    expect(c.ok ? "ok" : c.error).toBe("ok");
    for (const [obj, want] of cases) expect(run(text, obj)).toBe(want);
  });
});

describe("violations", () => {
  it("names failing list elements by label and failing scalars by path", () => {
    const pred = P.and(
      P.all(o("spec.containers"), "c", P.and(P.cmp(v("c", "securityContext.privileged"), "!=", true, true), P.cmp(v("c", "securityContext.runAsUser"), "!=", 0, true)), "name"),
      P.cmp(o("spec.hostPID"), "!=", true, true),
    );
    const expr = emitViolations(pred, "pod");
    const obj = { spec: { hostPID: true, containers: [{ name: "a", securityContext: { privileged: true } }, { name: "b", securityContext: { runAsUser: 0 } }, { name: "ok" }] } };
    expect(run(expr, obj)).toEqual(["spec.containers[a].securityContext.privileged", "spec.containers[b].securityContext.runAsUser", "spec.hostPID"]);
    expect(run(expr, {})).toEqual([]);
    expect(run(emitViolations(P.f, "whole rule"), {})).toEqual(["whole rule"]);
  });
});

describe("simplify", () => {
  it("flattens and folds", () => {
    expect(simplify(P.and(P.and(P.present(o("a")), P.t), P.not(P.not(P.present(o("b"))))))).toEqual(P.and(P.present(o("a")), P.present(o("b"))));
    expect(simplify(P.or(P.present(o("a")), P.t))).toEqual(P.t);
    expect(simplify(P.inRanges(o("a"), [], false))).toEqual(P.f);
  });
});

describe("mutations → JSONPatch", () => {
  const menv = admissionEnv({ version: "1.35", hasParams: false, hasAuthorizer: false, libraries: [...stdLibraries, ...k8sLibraries, ...mapLibraries], objectSchemas: new Map([["JSONPatch", new Map([["op", T.string], ["path", T.string], ["from", T.string], ["value", T.dyn]])]]) });
  const patches = (m: Mutation, obj: unknown): unknown => {
    const c = compileAdmission(menv, mutationToJsonPatch(m));
    if (!c.ok) throw new Error(c.error);
    return toJSON(c.program.eval({ object: fromJSON(obj), oldObject: null }));
  };
  const prov = { file: "x", line: 1 };
  it("setIfAbsent creates the first missing parent", () => {
    const m: Mutation = { k: "setIfAbsent", target: o("spec.securityContext.fsGroup"), value: 7, provenance: prov };
    expect(patches(m, { spec: {} })).toEqual([{ op: "add", path: "/spec/securityContext", value: { fsGroup: 7 } }]);
    expect(patches(m, { spec: { securityContext: {} } })).toEqual([{ op: "add", path: "/spec/securityContext/fsGroup", value: 7 }]);
    expect(patches(m, { spec: { securityContext: { fsGroup: 1 } } })).toEqual([]);
  });
  it("map keys are JSON-pointer escaped", () => {
    const m: Mutation = { k: "setIfAbsent", target: o("metadata.annotations[a/b~c]"), value: "v", provenance: prov };
    expect(patches(m, { metadata: { annotations: {} } })).toEqual([{ op: "add", path: "/metadata/annotations/a~1b~0c", value: "v" }]);
  });
  it("per list element with index and condition", () => {
    const m: Mutation = { k: "setIfAbsent", target: o("spec.containers[*].securityContext.runAsUser"), value: 5, vars: ["c"], when: P.absent(o("spec.securityContext.runAsUser")), provenance: prov };
    expect(patches(m, { spec: { containers: [{ name: "a" }, { name: "b", securityContext: { runAsUser: 1 } }, { name: "c", securityContext: {} }] } })).toEqual([
      { op: "add", path: "/spec/containers/0/securityContext", value: { runAsUser: 5 } },
      { op: "add", path: "/spec/containers/2/securityContext/runAsUser", value: 5 },
    ]);
    expect(patches(m, { spec: { securityContext: { runAsUser: 3 }, containers: [{ name: "a" }] } })).toEqual([]);
  });
  it("addToList appends missing values, skipping excluded ones", () => {
    const m: Mutation = { k: "addToList", target: o("spec.containers[*].caps.add"), values: ["A", "B"], exceptIn: v("c", "caps.drop"), vars: ["c"], provenance: prov };
    expect(patches(m, { spec: { containers: [{ caps: { add: ["A"] } }, { caps: { drop: ["B"] } }, {}] } })).toEqual([
      { op: "replace", path: "/spec/containers/0/caps/add", value: ["A", "B"] },
      { op: "add", path: "/spec/containers/1/caps/add", value: ["A"] },
      { op: "add", path: "/spec/containers/2/caps", value: { add: ["A", "B"] } },
    ]);
  });
});
