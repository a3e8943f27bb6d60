// Rego functions whose definitions give runtime values, lowered as the list of their values bound once
// (converters/rego/convert/lower.ts: valueList, chainConditions, listedCall, toNumber): each row converts a small
// template in both params modes and replays Pods through the Rego engine (Gatekeeper's verdict) and the VAP engine.
import { describe, expect, it } from "vitest";
import { parseDocsLenient } from "../converters/rego/gatekeeper/suite.js";
import { gatekeeperConverter, type GatekeeperSource } from "../converters/rego/index.js";
import { requestForObject } from "../src/vap/load.js";
import type { KObject } from "../src/vap/types.js";

const TEMPLATE = (rego: string, parameters: Record<string, unknown>): string => `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8svalues}
spec:
  crd: {spec: {names: {kind: K8sValues}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
${rego.split("\n").map((l) => `      ${l}`).join("\n")}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sValues
metadata: {name: values}
spec:
  match: {kinds: [{apiGroups: [""], kinds: [Pod]}]}
  parameters: ${JSON.stringify(parameters)}
`;

const pod = (labels: Record<string, unknown>, containers: Record<string, unknown>[] = [{ name: "c", image: "nginx" }]): KObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", labels } as KObject["metadata"], spec: { containers } });

/** Rego engine and VAP verdicts for each Pod, in both params modes; the template must convert with no gap. */
function verdicts(rego: string, parameters: Record<string, unknown>, objects: KObject[]): { mode: string; source: string; vap: string }[] {
  const src: GatekeeperSource[] = gatekeeperConverter.parse(parseDocsLenient(TEMPLATE(rego, parameters), "template.yaml").docs);
  return (["inline", "constraint"] as const).flatMap((mode) => {
    const result = gatekeeperConverter.convert(src, { targetVersion: "1.36", params: mode });
    expect([result.status, result.gaps]).toEqual(["converted", []]);
    const fixtures = objects.map((object, line) => ({ doc: { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: requestForObject(object) }, file: "pods.yaml", line: line + 1 }));
    return gatekeeperConverter.replay({ sources: src, manifests: result.manifests, fixtures }).map((row) => ({ mode, source: String(row.source), vap: row.vap === "skip" ? "admit" : row.vap }));
  });
}

const agree = (rows: { mode: string; source: string; vap: string }[]): void => {
  for (const row of rows) expect(row.vap, `--params ${row.mode}`).toBe(row.source);
};

describe("functions as lists of values: the VAP decides as the Rego engine", () => {
  it("a chain whose later condition repeats earlier conditions' negations stays exact (no two conjuncts justify each other)", () => {
    // f(x) is 3 only when neither a nor b: with both set, no definition holds (the earlier two each fail on one)
    const rego = `package k8svalues
violation[{"msg": "three"}] {
  f(input.review.object.metadata.labels) == 3
}
f(x) = 1 { not x.b; x.a }
f(x) = 2 { not x.a; x.b }
f(x) = 3 { not x.a; not x.b }`;
    agree(verdicts(rego, {}, [pod({}), pod({ a: "1" }), pod({ b: "1" }), pod({ a: "1", b: "1" })]));
    expect(verdicts(rego, {}, [pod({ a: "1", b: "1" }), pod({})]).map((row) => row.source)).toEqual(["admit", "deny", "admit", "deny"]);
  });

  it("a definition whose value comes from an iteration, and one that holds when nothing matches", () => {
    // two ports 80 named differently: eval_conflict_error, which Gatekeeper reports as a violation
    const rego = `package k8svalues
violation[{"msg": "bad name"}] {
  name := port_name(input.review.object, 80)
  not startswith(name, "http")
}
port_name(o, n) = name { p := o.spec.containers[_].ports[_]; p.containerPort == n; name := p.name }
port_name(o, n) = "none" { not o.spec.containers[_].ports[_].containerPort == n }`;
    const ports = (...p: Record<string, unknown>[]): Record<string, unknown>[] => [{ name: "c", image: "nginx", ports: p }];
    agree(verdicts(rego, {}, [pod({}, ports({ containerPort: 80, name: "http" })), pod({}, ports({ containerPort: 80, name: "grpc" })), pod({}, ports({ containerPort: 81, name: "x" })), pod({}, ports({ containerPort: 80 })), pod({}, ports({ containerPort: 80, name: "http" }, { containerPort: 80, name: "web" })), pod({}, ports({ containerPort: 80, name: "http" }, { containerPort: 80, name: "http" })), pod({})]));
  });

  it("a helper called on another helper's value (get_suffix inside canonify_mem), with a literal-argument table", () => {
    const rego = `package k8svalues
violation[{"msg": "too much"}] {
  v := scaled(input.review.object.metadata.labels.q)
  v > scaled(input.parameters.max)
}
unit("k") = 1000
unit("M") = 1000000
unit("") = 1
suffix(s) = x { count(s) > 0; x := substring(s, count(s) - 1, -1); unit(x) }
suffix(s) = "" { count(s) > 0; not unit(substring(s, count(s) - 1, -1)) }
suffix(s) = "" { count(s) == 0 }
scaled(s) = n { u := suffix(s); raw := trim_suffix(s, u); regex.match("^[0-9]+$", raw); n := to_number(raw) * unit(u) }`;
    agree(verdicts(rego, { max: "2k" }, [pod({ q: "1999" }), pod({ q: "2001" }), pod({ q: "2k" }), pod({ q: "3k" }), pod({ q: "1M" }), pod({ q: "k" }), pod({ q: "" }), pod({ q: "1.5k" }), pod({})]));
  });

  it("to_number of a parameter of any kind: numbers, a number's text, booleans (1/0), anything else undefined", () => {
    const rego = `package k8svalues
violation[{"msg": "over"}] {
  to_number(input.review.object.metadata.labels.n) > to_number(input.parameters.limit)
}`;
    const pods = [pod({ n: "0.5" }), pod({ n: "1" }), pod({ n: "2" }), pod({ n: "-1" })];
    // (not null: the API server prunes a null parameter, which the Rego side of the replay would still see; not
    // "1_0": ParseFloat and cel-go's double() take it, this repository's CEL engine does not yet)
    for (const limit of [1, 0.75, "1", "1e0", "+1", " 1", "one", "", "Inf", true, false, [1], { a: 1 }]) agree(verdicts(rego, { limit }, pods));
  });
});
