// The generic replay loop (src/equivalence/replay.ts) with a stand-in source engine, and the replay contract's CEL
// cost warnings (src/equivalence/contract.ts): which rows pass, with which reason, and when a case warns.
import { describe, expect, it } from "vitest";
import type { Fixture } from "../src/convert/types.js";
import { costWarnings, type CaseResult } from "../src/equivalence/contract.js";
import { asServed, countErrors, replayFixtures, replayNamespaces, type ReplayAdapter, type SourceOutcome } from "../src/equivalence/replay.js";
import { requestForObject } from "../src/vap/load.js";
import type { AdmissionRequest, KObject } from "../src/vap/types.js";

// VAP: pods may not carry the label `bad`. MAP: pods labelled `mutate` get `mutated: "yes"`.
const POD_RULES = [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }];
const MANIFESTS = [
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "no-bad-label" },
    spec: { failurePolicy: "Fail", matchConstraints: { resourceRules: POD_RULES }, validations: [{ expression: "!has(object.metadata.labels) || !('bad' in object.metadata.labels)", message: "bad label" }] },
  },
  { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "no-bad-label-binding" }, spec: { policyName: "no-bad-label", validationActions: ["Deny"] } },
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingAdmissionPolicy",
    metadata: { name: "mark" },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: { resourceRules: POD_RULES },
      matchConditions: [{ name: "labelled", expression: "has(object.metadata.labels) && 'mutate' in object.metadata.labels" }],
      mutations: [{ patchType: "JSONPatch", jsonPatch: { expression: "[JSONPatch{op: 'add', path: '/metadata/labels/mutated', value: 'yes'}]" } }],
    },
  },
  { apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingAdmissionPolicyBinding", metadata: { name: "mark-binding" }, spec: { policyName: "mark" } },
];

const pod = (name: string, labels: Record<string, string> = {}): object => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", labels }, spec: { containers: [{ name: "c", image: "i" }] } });

/** A stand-in source engine: answers from a table keyed by object name; ConfigMaps are out of its scope. */
function adapter(answers: Record<string, SourceOutcome>, normalize?: (o: unknown) => unknown): ReplayAdapter {
  return {
    label: "FAKE",
    inScope: (r: AdmissionRequest) => (r.kind.kind === "ConfigMap" ? "not a pod" : null),
    source: (r: AdmissionRequest) => answers[r.name ?? ""] ?? { verdict: "admit" },
    ...(normalize ? { normalizeForCompare: normalize } : {}),
  };
}

type Row = Pick<CaseResult, "resource" | "expected" | "source" | "vap" | "pass" | "reason">;
const row = (c: CaseResult): Row => ({ resource: c.resource, expected: c.expected, source: c.source, vap: c.vap, pass: c.pass, reason: c.reason });
const one = (a: ReplayAdapter, f: Fixture): CaseResult => {
  const cases = replayFixtures(a, { manifests: MANIFESTS, fixtures: [f], suite: "s" });
  expect(cases).toHaveLength(1);
  return cases[0]!;
};

describe("replayFixtures", () => {
  const mutatedYes = { ...pod("m", { mutate: "1", mutated: "yes" }) };
  const mutatedNo = { ...pod("m", { mutate: "1", mutated: "no" }) };
  it.each<[string, Fixture, Record<string, SourceOutcome>, Row]>([
    ["both admit: the source's note", { doc: pod("ok"), file: "x.yaml", line: 1 }, { ok: { verdict: "admit", note: "admitted by FAKE p1" } },
      { resource: "ns/ok", expected: null, source: "admit", vap: "admit", pass: true, reason: "admitted by FAKE p1" }],
    ["both deny", { doc: pod("b", { bad: "1" }), file: "x.yaml", line: 1 }, { b: { verdict: "deny", reason: "no" } },
      { resource: "ns/b", expected: null, source: "deny", vap: "deny", pass: true, reason: null }],
    ["engines disagree", { doc: pod("b", { bad: "1" }), file: "x.yaml", line: 1 }, { b: { verdict: "admit", reason: "why" } },
      { resource: "ns/b", expected: null, source: "admit", vap: "deny", pass: false, reason: "engines disagree: FAKE admit (why), VAP deny" }],
    ["both deny, the file name expects admit", { doc: pod("b", { bad: "1" }), file: "dir/allowed-b.yaml", line: 1 }, { b: { verdict: "deny", reason: "why" } },
      { resource: "ns/b", expected: "admit", source: "deny", vap: "deny", pass: false, reason: "both engines deny, fixture expects admit (FAKE: why)" }],
    ["both admit, the annotation expects deny", { doc: { ...pod("a"), metadata: { name: "a", namespace: "ns", annotations: { "vap-migrate.io/expect": "deny" } } }, file: "allowed.yaml", line: 1 }, {},
      { resource: "ns/a", expected: "deny", source: "admit", vap: "admit", pass: false, reason: "both engines admit, fixture expects deny" }],
    ["out of the source's scope", { doc: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "ns" } }, file: "x.yaml", line: 1 }, {},
      { resource: "ns/cm", expected: null, source: "skip", vap: "skip", pass: true, reason: "not a pod" }],
    ["not a request", { doc: "just text", file: "x.yaml", line: 4 }, {},
      { resource: "", expected: null, source: "error", vap: "error", pass: false, reason: expect.stringMatching(/^bad fixture x\.yaml:4: /) as unknown as string }],
    ["mutated alike", { doc: pod("m", { mutate: "1" }), file: "x.yaml", line: 1 }, { m: { verdict: "admit", mutated: mutatedYes, policy: "p1" } },
      { resource: "ns/m", expected: null, source: "admit", vap: "admit", pass: true, reason: null }],
    ["mutated differently", { doc: pod("m", { mutate: "1" }), file: "x.yaml", line: 1 }, { m: { verdict: "admit", mutated: mutatedNo, policy: "p1" } },
      { resource: "ns/m", expected: null, source: "admit", vap: "admit", pass: false, reason: "FAKE p1 admitted after mutating the pod, but the MutatingAdmissionPolicies produced a different pod" }],
  ])("%s", (_, fixture, answers, want) => {
    expect(row(one(adapter(answers), fixture))).toEqual(want);
  });

  it("compares mutated objects after normalizeForCompare", () => {
    const dropMutated = (o: unknown): unknown => {
      const c = JSON.parse(JSON.stringify(o)) as { metadata: { labels: Record<string, string> } };
      delete c.metadata.labels["mutated"];
      return c;
    };
    const c = one(adapter({ m: { verdict: "admit", mutated: mutatedNo } }, dropMutated), { doc: pod("m", { mutate: "1" }), file: "x.yaml", line: 1 });
    expect(c.pass).toBe(true);
  });

  it("rows carry suite, policy, file and a CEL cost; bad fixtures count as errors", () => {
    const cases = replayFixtures(adapter({}), {
      manifests: MANIFESTS,
      fixtures: [
        { doc: pod("ok"), file: "a.yaml", line: 1 },
        { doc: 42, file: "b.yaml", line: 2 },
      ],
    });
    expect(cases.map((c) => [c.suite, c.policy, c.file])).toEqual([
      ["a.yaml", "no-bad-label", "a.yaml"],
      ["b.yaml", "", "b.yaml"],
    ]);
    for (const c of cases) expect(Number.isInteger(c.cost) && c.cost >= 0).toBe(true);
    expect(countErrors(cases)).toBe(1);
  });
});

describe("what the source said, and the cluster's Namespaces", () => {
  it.each<[string, SourceOutcome, string[] | undefined]>([
    ["a denial's text", { verdict: "deny", reason: "no" }, ["no"]],
    ["an admission says nothing", { verdict: "admit", note: "admitted by FAKE p1" }, undefined],
  ])("sourceMessages: %s", (_, outcome, want) => {
    expect(one(adapter({ b: outcome }), { doc: pod("b", { bad: "1" }), file: "x.yaml", line: 1 }).sourceMessages).toEqual(want);
  });

  // a binding that selects namespaces labelled env=dev: the VAP engine reads the replay's Namespaces
  const selective = MANIFESTS.map((m) => (m.kind === "ValidatingAdmissionPolicyBinding" ? { ...m, spec: { ...m.spec, matchResources: { namespaceSelector: { matchLabels: { env: "dev" } } } } } : m));
  const ns = (name: string, labels: Record<string, string>): KObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
  it.each<[string, KObject[], string]>([
    ["a dev namespace: the binding applies", [ns("ns", { env: "dev" })], "deny"],
    ["a prod namespace: it does not", [ns("ns", { env: "prod" })], "skip"],
  ])("namespaces reach the VAP engine: %s", (_, namespaces, vap) => {
    const [c] = replayFixtures(adapter({}), { manifests: selective, fixtures: [{ doc: pod("b", { bad: "1" }), file: "x.yaml", line: 1 }], namespaces });
    expect(c!.vap).toBe(vap);
  });

  it("replayNamespaces: the given Namespaces, then the plain Namespace fixtures they do not name", () => {
    const fixtures: Fixture[] = [ns("a", { from: "fixture" }), ns("b", { from: "fixture" }), pod("p")].map((doc) => ({ doc, file: "f.yaml", line: 1 }));
    expect(replayNamespaces([ns("a", { from: "given" })], fixtures).map((n) => [n.metadata?.name, n.metadata?.labels?.["from"]])).toEqual([["a", "given"], ["b", "fixture"]]);
    expect(replayNamespaces(undefined, fixtures).map((n) => n.metadata?.name)).toEqual(["a", "b"]);
  });

  it("asServed: the objects as the API server encodes them, without JSON nulls", () => {
    const object = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", labels: null }, spec: { containers: [{ name: "c", readinessProbe: null }] } } as unknown as KObject;
    const served = asServed(requestForObject(object, { operation: "UPDATE", oldObject: object }));
    expect([served.object, served.oldObject].map((o) => JSON.stringify(o?.spec))).toEqual(['{"containers":[{"name":"c"}]}', '{"containers":[{"name":"c"}]}']);
    expect(served.object?.metadata).toEqual({ name: "p", namespace: "ns" });
  });
});

describe("costWarnings", () => {
  const at = (cost: number, maxExpressionCost?: number): CaseResult => ({
    suite: "psp", policy: "p", binding: null, resource: "ns/pod", operation: "CREATE", expected: null, vap: "admit", pass: true, messages: [], reason: null, cost,
    ...(maxExpressionCost !== undefined ? { maxExpressionCost } : {}),
  });
  const expr = (n: string): string => `psp ns/pod: one expression costs ${n}, over 10% of the 1,000,000 per-expression limit`;
  it.each<[number, number | undefined, string[]]>([
    [0, undefined, []],
    [999_999, 99_999, []],
    [1_000_000, 100_000, []],
    [150_000, 100_001, [expr("100,001")]],
    [1_000_001, 1_000, ["psp ns/pod: CEL cost 1,000,001 is over 10% of the 10,000,000 per-evaluation budget"]],
    [12_345_678, 900_000, ["psp ns/pod: CEL cost 12,345,678 is over 10% of the 10,000,000 per-evaluation budget", expr("900,000")]],
  ])("cost %i, largest expression %s", (cost, max, want) => {
    expect(costWarnings([at(cost, max)])).toEqual(want);
  });
});
