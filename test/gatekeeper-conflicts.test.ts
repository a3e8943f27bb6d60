// OPA's eval_conflict_error in the Rego → VAP conversion (converters/rego/convert/conflicts.ts, lower.ts): which
// definitions of a function may give different values for the same arguments (the static pairs), and the VAP's
// check that denies a request reaching such a call with two different values, as Gatekeeper does (an evaluation
// error is a violation of every constraint of the template). Each replay row compares the Rego engine with the VAP.
import { describe, expect, it } from "vitest";
import { conflictInfo } from "../converters/rego/convert/conflicts.js";
import { compileTemplate } from "../converters/rego/gatekeeper/rego-eval.js";
import { parseDocsLenient } from "../converters/rego/gatekeeper/suite.js";
import { gatekeeperConverter, type GatekeeperSource } from "../converters/rego/index.js";
import { requestForObject } from "../src/vap/load.js";
import type { KObject } from "../src/vap/types.js";

/** The conflicting definition pairs of `data.t.<fn>` (a function) or of the complete rule `data.t.<fn>`. */
function pairsOf(rego: string, fn: string): string[] {
  const { program } = compileTemplate([{ text: `package t\n${rego}`, file: "t.rego", lineOffset: 0, version: "v0", role: "template" }]);
  const info = conflictInfo(program);
  const name = `data.t.${fn}`;
  const pairs = program.functions.has(name) ? info.functionPairs(name) : info.completePairs(program.root.children.get("t")!.children.get(fn)!);
  return pairs.map(([i, j]) => `${i}-${j}`);
}

describe("definitions that may give different values for the same input", () => {
  it.each<[string, string, string[]]>([
    ["one value per definition, nothing excludes another (the PSP host-probes template)", "f(c) = p { p := c.a }\nf(c) = p { p := c.b }\nf(c) = p { p := c.c }", ["0-1", "0-2", "1-2"]],
    ["the same value", "f(c) = c.a { c.x }\nf(c) = c.a { c.y }", []],
    ["the same constant", 'f(c) = "n" { c.x }\nf(c) = "n" { c.y }', []],
    ["boolean helpers (value true)", "f(c) { c.x }\nf(c) { c.y }", []],
    ["distinct literal arguments", 'f("a") = 1\nf("b") = 2', []],
    ["a literal argument against a test that excludes it", 'f("/") = []\nf(p) = [p] { p != "/" }', []],
    ["x against not x", "f(c) = 1 { c.x }\nf(c) = 2 { not c.x }", []],
    ["equal to two different constants", 'f(c) = 1 { c.t == "A" }\nf(c) = 2 { c.t = "B" }', []],
    ["disjoint numeric bounds", "f(s) = 1 { count(s) > 1 }\nf(s) = 2 { count(s) == 1 }\nf(s) = 3 { count(s) == 0 }", []],
    ["null against a field of it", 'f(p) = 1 { p == null }\nf(p) = 2 { p.type == "x" }', []],
    ["not x against a field below x", "f(a) = [] { not a.p }\nf(a) = a.p.q", []],
    ["not x against x itself: x may be false", "f(a) = [] { not a.p }\nf(a) = a.p", ["0-1"]],
    ["not x and not x == false: x is undefined (the capabilities template's get_default)", "f(o, k, _) := o[k]\nf(o, k, d) := d { not o[k]; not o[k] == false }", []],
    ["a negated helper whose definitions are one test each", "h(c) { c.x }\nh(c) { c.x == false }\nf(c) = c.x\nf(c) = 0 { not h(c) }", []],
    ["a type test against not x", "f(c) = 1 { is_array(c.x) }\nf(c) = 2 { not c.x }", []],
    ["one definition giving several values", "f(xs) = x { x := xs[_] }", ["0-0"]],
    ["one definition iterating without changing its value", "f(xs) = 1 { xs[_] > 0 }", []],
    ["iterating a result that holds one element at most", 'g(d) = ["a", "b"] { d == "" } else = [d]\nd := "x"\nf(c) = {"p": p} { p := g(d)[_] }', []],
    ["else chains are one value per evaluation", "f(c) = 1 { c.x } else = 2", []],
    ["complete rules", "r = 1 { input.a }\nr = 2 { input.b }", ["0-1"]],
  ])("%s", (_, rego, want) => {
    const fn = /^r = /m.test(rego) ? "r" : "f";
    expect(pairsOf(rego, fn)).toEqual(want);
  });
});

const TEMPLATE = (rego: string): string => `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sprobes}
spec:
  crd: {spec: {names: {kind: K8sProbes}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
${rego.split("\n").map((l) => `      ${l}`).join("\n")}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sProbes
metadata: {name: probes}
spec:
  match: {kinds: [{apiGroups: [""], kinds: [Pod]}]}
`;

// the host-probes template's shape: get_probe(c) has one definition per probe kind
const GET_PROBE = `package k8sprobes
violation[{"msg": msg}] {
  not input.review.operation == "UPDATE"
  c := input.review.object.spec.containers[_]
  probe := get_probe(c)
  probe.httpGet.host != ""
  msg := sprintf("container %v has a probe with a host", [c.name])
}
get_probe(c) = probe { probe := c.livenessProbe }
get_probe(c) = probe { probe := c.readinessProbe }`;

const sources = (rego: string): GatekeeperSource[] => gatekeeperConverter.parse(parseDocsLenient(TEMPLATE(rego), "template.yaml").docs);

const pod = (container: Record<string, unknown>): KObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx", ...container }] } });
const probe = (port: number, host?: string): Record<string, unknown> => ({ httpGet: { port, ...(host ? { host } : {}) } });

describe("the VAP denies a request that reaches a conflict, as Gatekeeper does", () => {
  it.each<[string, "inline" | "constraint", KObject, "CREATE" | "UPDATE", string]>([
    ["two different probes: eval_conflict_error", "inline", pod({ livenessProbe: probe(80), readinessProbe: probe(81) }), "CREATE", "deny"],
    ["two different probes, --params constraint", "constraint", pod({ livenessProbe: probe(80), readinessProbe: probe(81) }), "CREATE", "deny"],
    ["two equal probes: one value, no conflict", "inline", pod({ livenessProbe: probe(80), readinessProbe: probe(80) }), "CREATE", "admit"],
    ["one probe without host", "inline", pod({ livenessProbe: probe(80) }), "CREATE", "admit"],
    ["one probe with a host: the violation itself", "inline", pod({ livenessProbe: probe(80, "h") }), "CREATE", "deny"],
    ["a readiness probe set to null is no value (the API server drops JSON nulls)", "inline", pod({ livenessProbe: probe(80), readinessProbe: null }), "CREATE", "admit"],
    ["an UPDATE never reaches the call", "inline", pod({ livenessProbe: probe(80), readinessProbe: probe(81) }), "UPDATE", "admit"],
  ])("%s (%s)", (_, params, object, operation, want) => {
    const src = sources(GET_PROBE);
    const result = gatekeeperConverter.convert(src, { targetVersion: "1.36", params });
    expect([result.status, result.gaps]).toEqual(["converted", []]);
    const request = requestForObject(object, { operation, ...(operation === "UPDATE" ? { oldObject: object } : {}) });
    const doc = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request };
    const [row] = gatekeeperConverter.replay({ sources: src, manifests: result.manifests, fixtures: [{ doc, file: "f.yaml", line: 1 }] });
    expect(row!.source).toBe(want);
    expect(row!.vap === "admit" || row!.vap === "skip" ? "admit" : "deny").toBe(want);
  });

  // a partial object keyed by container name (the seccomp template's input_containers): one name twice with
  // different containers is "object keys must be unique"
  const BY_NAME = `package k8sprobes
violation[{"msg": msg}] {
  c := input_containers[name]
  c.securityContext.privileged
  msg := sprintf("container %v is privileged", [name])
}
input_containers[c.name] = c { c := input.review.object.spec.containers[_] }
input_containers[c.name] = c { c := input.review.object.spec.initContainers[_] }`;
  // a complete rule with two definitions read by the violation
  const MODE = `package k8sprobes
violation[{"msg": "blocked pods are not allowed"}] {
  mode == "blocked"
}
mode = "blocked" { input.review.object.metadata.labels.blocked }
mode = "debug" { input.review.object.metadata.labels.debug }
mode = "normal" { input.review.object.metadata.labels.normal }`;
  const twoLists = (init: Record<string, unknown>): KObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx" }], initContainers: [{ image: "busybox", ...init }] } });
  const labelled = (labels: Record<string, string>): KObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", labels }, spec: { containers: [{ name: "c", image: "nginx" }] } });
  it.each<[string, string, KObject, string]>([
    ["a container and an init container named alike: object keys must be unique", BY_NAME, twoLists({ name: "c" }), "deny"],
    ["names that differ", BY_NAME, twoLists({ name: "i" }), "admit"],
    ["the same name for two equal containers: one value", BY_NAME, twoLists({ name: "c", image: "nginx" }), "admit"],
    ["both labels: complete rules must not produce multiple outputs", MODE, labelled({ debug: "1", normal: "1" }), "deny"],
    ["one label", MODE, labelled({ normal: "1" }), "admit"],
    ["the violation itself", MODE, labelled({ blocked: "1" }), "deny"],
  ])("%s", (_, rego, object, want) => {
    const src = sources(rego);
    for (const params of ["inline", "constraint"] as const) {
      const result = gatekeeperConverter.convert(src, { targetVersion: "1.36", params });
      expect([result.status, result.gaps]).toEqual(["converted", []]);
      const doc = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: requestForObject(object) };
      const [row] = gatekeeperConverter.replay({ sources: src, manifests: result.manifests, fixtures: [{ doc, file: "f.yaml", line: 1 }] });
      expect([row!.source, row!.vap === "admit" || row!.vap === "skip" ? "admit" : "deny"]).toEqual([want, want]);
    }
  });

  it("names the conflicting function in its own validation, once for the bodies that share the check", () => {
    const result = gatekeeperConverter.convert(sources(GET_PROBE.replace("probe.httpGet.host", "probe.tcpSocket.host") + "\n" + GET_PROBE.split("\n").slice(1, 8).join("\n")), { targetVersion: "1.36" });
    const vap = result.manifests.find((m) => (m as KObject).kind === "ValidatingAdmissionPolicy") as { spec: { validations: { message?: string }[] } };
    expect(vap.spec.validations.map((v) => v.message).filter((m) => m?.startsWith("eval_conflict_error"))).toEqual(["eval_conflict_error: get_probe must not produce multiple outputs for the same inputs"]);
  });

  it("a conflict the VAP cannot check is a named weaker gap, never dropped", () => {
    const rego = GET_PROBE.replace("  probe := get_probe(c)\n  probe.httpGet.host != \"\"", "  every p in [1] { get_probe(c).httpGet.host != \"\"; p > 0 }").replace("package k8sprobes", "package k8sprobes\nimport future.keywords.every\nimport future.keywords.in");
    const result = gatekeeperConverter.convert(sources(rego), { targetVersion: "1.36" });
    expect(result.status).toBe("partial");
    expect(result.gaps.map((g) => [g.id, g.effect])).toEqual([["gatekeeper.function-conflict", "weaker"]]);
    expect(result.gaps[0]!.reason).toMatch(/eval_conflict_error/);
  });
});
