// The impact library (src/impact): reading a cluster dump, splitting policies into units of one decision, the replay
// of every object through both engines per unit (what each rejects, where they differ), the exit code, the Markdown
// rendering and the JSON contract (docs/schemas/impact-report.schema.json).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AnyConverter } from "../src/convert/registry.js";
import type { CaseResult } from "../src/equivalence/contract.js";
import { namespaceContext, readDump, type Dump } from "../src/impact/dump.js";
import { renderMarkdown, ROW_LIMIT } from "../src/impact/markdown.js";
import { policyUnits, type ImpactUnit } from "../src/impact/policies.js";
import { asDeny, impactExitCode, runImpact, summarize } from "../src/impact/run.js";
import type { ImpactOperation, ImpactReport, PolicyImpact } from "../src/impact/types.js";
import { InputError, parseDocuments, type LoadedDoc } from "../src/input/yaml.js";
import { validateJson } from "./support/schema.js";

const SCHEMA = "docs/schemas/impact-report.schema.json";
const DUMP = "fixtures/impact/dump.yaml";
const FIXTURE_POLICIES = ["fixtures/psp/restricted.yaml", "fixtures/kyverno/disallow-host-namespaces.yaml", "fixtures/gatekeeper/template.yaml", "fixtures/gatekeeper/constraint.yaml"];

const docsOf = (text: string, file = "dump.yaml"): LoadedDoc[] => parseDocuments(text, file);
const fileDocs = (...files: string[]): LoadedDoc[] => files.flatMap((f) => parseDocuments(readFileSync(f, "utf8"), f));
const fixtureDump = (): Dump => readDump(fileDocs(DUMP));
const impact = (policyDocs: LoadedDoc[], operation: ImpactOperation = "CREATE", dump: Dump = fixtureDump()): ImpactReport =>
  runImpact(policyUnits(policyDocs).units, dump, { operation, convertOptions: () => ({ targetVersion: "1.36" }) });
const byName = (r: ImpactReport, name: string): PolicyImpact => r.policies.find((p) => p.name === name)!;

describe("readDump", () => {
  it.each([
    [
      "a kubectl List, items at their own lines",
      "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: a, namespace: x}\n  - apiVersion: v1\n    kind: Namespace\n    metadata: {name: x}\n",
      [["Pod x/a", 4], ["Namespace x", 7]],
    ],
    [
      "a *List kind, nested in a List",
      "kind: List\nitems:\n  - apiVersion: v1\n    kind: PodList\n    items:\n      - apiVersion: v1\n        kind: Pod\n        metadata: {name: p}\n",
      [["Pod default/p", 6]],
    ],
    [
      "multiple documents; namespaced kinds default to `default`, cluster-scoped kinds have none",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: admin}\n",
      [["ConfigMap default/c", 1], ["ClusterRole admin", 5]],
    ],
    [
      "objects sharing a label are told apart by file:line",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\n",
      [["Pod default/p (dump.yaml:1)", 1], ["Pod default/p (dump.yaml:5)", 5], ["Pod default/q", 9]],
    ],
  ])("%s", (_, text, want) => {
    const dump = readDump(docsOf(text));
    expect(dump.objects.map((o) => [o.label, o.line])).toEqual(want);
    expect(dump.notes).toEqual([]);
  });

  it("skips items without kind or metadata.name, and non-objects, with a note at file:line", () => {
    const dump = readDump(docsOf("kind: List\nitems:\n  - apiVersion: v1\n    metadata: {name: nokind}\n  - kind: Pod\n    metadata: {}\n  - 42\n  - kind: Pod\n    metadata: {name: ok}\n"));
    expect(dump.objects.map((o) => o.label)).toEqual(["Pod default/ok"]);
    expect(dump.notes).toEqual(["dump.yaml:3: skipping an item without kind", "dump.yaml:5: skipping Pod without metadata.name", "dump.yaml:7: skipping a number: not a Kubernetes object"]);
  });

  it("knows custom kinds' scope from the dump's CustomResourceDefinitions", () => {
    const crd =
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  scope: Cluster\n  names: {kind: Widget, plural: widgets}\n  versions: [{name: v1, served: true, storage: true}]\n---\n";
    const widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n";
    expect(readDump(docsOf(crd + widget)).objects.map((o) => o.label)).toEqual(["CustomResourceDefinition widgets.example.com", "Widget w"]);
  });
});

describe("namespaceContext", () => {
  it("keeps the dump's Namespaces (adding the name label the API server sets) and assumes the missing ones", () => {
    const dump = readDump(docsOf("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {env: dev}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: z}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\n"));
    const ctx = namespaceContext(dump.objects);
    expect(ctx.assumed).toEqual(["default", "z"]);
    expect(ctx.namespaces.map((n) => [n.metadata?.name, n.metadata?.labels])).toEqual([
      ["a", { env: "dev", "kubernetes.io/metadata.name": "a" }],
      ["default", { "kubernetes.io/metadata.name": "default" }],
      ["z", { "kubernetes.io/metadata.name": "z" }],
    ]);
  });
});

describe("policyUnits", () => {
  it("one unit per Kyverno policy, per template with its constraints, and one for all PodSecurityPolicies; other documents are noted", () => {
    const { units, notes } = policyUnits(fileDocs("fixtures/kyverno/disallow-host-namespaces.yaml", "fixtures/psp/restricted.yaml", "fixtures/gatekeeper/constraint.yaml", "fixtures/gatekeeper/template.yaml", "fixtures/psp/baseline.yaml", "fixtures/kyverno/test/resources.yaml"));
    expect(units.map((u) => [u.converter.id, u.name, u.refs.map((r) => `${r.kind}/${r.name}`)])).toEqual([
      ["psp", "baseline,restricted", ["PodSecurityPolicy/baseline", "PodSecurityPolicy/restricted"]],
      ["kyverno", "disallow-host-namespaces", ["ClusterPolicy/disallow-host-namespaces"]],
      ["gatekeeper", "k8sdenyprivileged", ["ConstraintTemplate/k8sdenyprivileged", "K8sDenyPrivileged/deny-privileged"]],
    ]);
    expect(units[0]!.note).toMatch(/2 PodSecurityPolicies decide together/);
    expect(notes).toEqual(expect.arrayContaining(["fixtures/kyverno/test/resources.yaml:1: skipping kind Pod: not a policy of a known source"]));
    expect(notes).toHaveLength(4);
  });

  it("a converter without a split of its own gives one unit for all its sources, named after them", () => {
    const fake: AnyConverter = {
      id: "fake",
      label: "Fakes",
      names: (sources) => (sources as { name: string }[]).map((x) => x.name),
      detect: (doc) => (doc as { kind?: unknown }).kind === "Fake",
      parse: (ds) => ds.map((d) => ({ name: String((d.doc as { metadata: { name: string } }).metadata.name) })),
      convert: () => ({ manifests: [], gaps: [], status: "converted" }),
      replay: () => [],
    };
    const { units, notes } = policyUnits(docsOf("kind: Fake\nmetadata: {name: b}\n---\nkind: Fake\nmetadata: {name: a}\n---\nkind: Other\n", "fakes.yaml"), [fake]);
    expect(units.map((u) => [u.converter.id, u.name, u.file, u.line, u.refs.map((r) => `${r.kind}/${r.name}`), u.sources.length])).toEqual([["fake", "a,b", "fakes.yaml", 1, ["Fake/b", "Fake/a"], 2]]);
    expect(notes).toEqual(["fakes.yaml:7: skipping kind Other: not a policy of a known source"]);
  });

  it("parse errors are InputErrors with file:line (a constraint without its template)", () => {
    expect(() => policyUnits(fileDocs("fixtures/gatekeeper/constraint.yaml"))).toThrow(/fixtures\/gatekeeper\/constraint\.yaml:1: .*ConstraintTemplate "k8sdenyprivileged" is not among the inputs/);
  });
});

describe("runImpact on fixtures/impact/dump.yaml", () => {
  // both engines reject the same objects; the rejections are the expected ones for the policy
  it.each<[ImpactOperation, string, string[]]>([
    ["CREATE", "restricted", ["Pod team-a/host-net", "Pod team-b/privileged", "Pod team-b/debug", "Pod kube-system/agent"]],
    ["CREATE", "disallow-host-namespaces", ["Pod team-a/host-net", "Deployment team-a/api"]],
    ["CREATE", "k8sdenyprivileged", ["Pod team-b/privileged"]],
    // an UPDATE of an object to itself: PSP ignores updates that change nothing but GC fields, Kyverno's Enforce rules
    // skip violations the old object already had (allowExistingViolations); Gatekeeper still rejects
    ["UPDATE", "restricted", []],
    ["UPDATE", "disallow-host-namespaces", []],
    ["UPDATE", "k8sdenyprivileged", ["Pod team-b/privileged"]],
  ])("%s: %s rejects %j on both engines", (operation, name, rejected) => {
    const r = impact(fileDocs(...FIXTURE_POLICIES), operation);
    const p = byName(r, name);
    expect(p.rejectedBySource).toEqual(rejected);
    expect(p.rejectedByVap).toEqual(rejected);
    expect(p.differences).toEqual([]);
    expect(p.objects).toBe(8);
    expect(r.operation).toBe(operation);
    expect(r.namespacesAssumed).toEqual(["kube-system"]);
  });

  const constraint = (selector: string): LoadedDoc[] =>
    docsOf(`apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sDenyPrivileged\nmetadata: {name: by-namespace}\nspec:\n  match:\n    kinds: [{apiGroups: [""], kinds: [Pod]}]\n    namespaceSelector: ${selector}\n`, "constraint.yaml");
  // the dump's Namespaces (team-a env=prod, team-b env=dev; kube-system assumed, unlabelled) reach both engines
  it.each([
    ["{matchLabels: {env: dev}}", ["Pod team-b/privileged", "Pod team-b/debug"]],
    ["{matchLabels: {env: prod}}", []],
    ["{matchExpressions: [{key: env, operator: DoesNotExist}]}", ["Pod kube-system/agent"]],
  ])("a Gatekeeper namespaceSelector %s sees the dump's namespace labels on both engines", (selector, rejected) => {
    const p = impact([...fileDocs("fixtures/gatekeeper/template.yaml"), ...constraint(selector)]).policies[0]!;
    expect(p.rejectedBySource).toEqual(rejected);
    expect(p.rejectedByVap).toEqual(rejected);
    expect(p.differences).toEqual([]);
  });

  // the seam hands the dump's Namespaces to the Kyverno engine too (namespaceLabels), as Kyverno's namespace lister
  const kyvernoPolicy = (selector: string): LoadedDoc[] =>
    docsOf(
      `apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: no-privileged-in-dev}\nspec:\n  validationFailureAction: Enforce\n  rules:\n    - name: no-privileged\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n              namespaceSelector: ${selector}\n      validate:\n        message: no privileged containers in dev\n        pattern:\n          spec:\n            containers:\n              - =(securityContext):\n                  =(privileged): \"false\"\n`,
      "policy.yaml",
    );
  it.each([
    ["{matchLabels: {env: dev}}", ["Pod team-b/privileged", "Pod team-b/debug"]],
    ["{matchLabels: {env: prod}}", []],
    ["{matchExpressions: [{key: env, operator: DoesNotExist}]}", ["Pod kube-system/agent"]],
  ])("a Kyverno namespaceSelector %s sees the dump's namespace labels on both engines", (selector, rejected) => {
    const p = impact(kyvernoPolicy(selector)).policies[0]!;
    expect(p.rejectedBySource).toEqual(rejected);
    expect(p.rejectedByVap).toEqual(rejected);
    expect(p.differences).toEqual([]);
  });

  it.each([
    [0, "the fixture policies agree and convert with no gap", FIXTURE_POLICIES],
    [3, "an Audit policy with a gap: Audit counts as rejecting on both engines, they agree", ["fixtures/impact/policies/require-team-label.yaml"]],
    [1, "an apiCall policy: no VAP, and offline Kyverno cannot load the entry", ["fixtures/impact/policies/limit-pods-per-namespace.yaml"]],
  ])("exit code %i: %s", (code, _, files) => {
    const r = impact(fileDocs(...files));
    expect(impactExitCode(r)).toBe(code);
    expect(validateJson(SCHEMA, JSON.parse(JSON.stringify(r)))).toEqual([]);
  });

  it("reports a difference with both verdicts and both engines' messages", () => {
    const p = impact(fileDocs("fixtures/impact/policies/limit-pods-per-namespace.yaml")).policies[0]!;
    expect(p.status).toBe("unsupported");
    expect(p.gaps.map((g) => g.id)).toEqual(["kyverno.context.apiCall"]);
    expect(p.vapPolicies).toEqual([]);
    expect(p.differences.map((d) => d.object)).toEqual(["Pod team-a/web", "Pod team-a/host-net", "Pod team-b/privileged", "Pod team-b/debug", "Pod kube-system/agent", "Deployment team-a/api"]);
    expect(p.differences[0]).toEqual({
      object: "Pod team-a/web",
      file: DUMP,
      line: 41,
      source: "deny",
      vap: "skip",
      sourceMessages: [expect.stringMatching(/^limit-pods-per-namespace\/pod-count: .*podCount/)],
    });
  });

  it("an Audit policy's violations count as rejections on the VAP side too (bindings evaluated as Deny)", () => {
    const p = impact(fileDocs("fixtures/impact/policies/require-team-label.yaml")).policies[0]!;
    expect(p.rejectedByVap).toEqual(["Pod team-a/web", "Pod team-a/host-net", "Pod team-b/privileged", "Pod team-b/debug", "Pod kube-system/agent", "Deployment team-a/api"]);
    expect(p.rejectedBySource).toEqual(p.rejectedByVap);
  });
});

describe("asDeny", () => {
  it.each([
    [{ kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "b" }, spec: { policyName: "p", validationActions: ["Audit", "Warn"] } }, { kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "b" }, spec: { policyName: "p", validationActions: ["Deny"] } }],
    [{ kind: "ValidatingAdmissionPolicy", metadata: { name: "p" }, spec: {} }, { kind: "ValidatingAdmissionPolicy", metadata: { name: "p" }, spec: {} }],
    [{ kind: "MutatingAdmissionPolicyBinding", metadata: { name: "m" }, spec: { policyName: "m" } }, { kind: "MutatingAdmissionPolicyBinding", metadata: { name: "m" }, spec: { policyName: "m" } }],
  ])("%j", (input, want) => {
    expect(asDeny([input])).toEqual([want]);
  });
});

// A converter whose replay returns the given rows: the difference extraction, independent of any real engine.
function fakeUnit(replay: () => CaseResult[]): ImpactUnit {
  const converter: AnyConverter = {
    id: "fake",
    label: "Fake policies",
    names: () => [],
    detect: () => false,
    parse: () => [],
    convert: () => ({ manifests: [], gaps: [], status: "converted" }),
    replay,
  };
  return { converter, sources: [], name: "fake-policy", file: "p.yaml", line: 1, refs: [{ kind: "Fake", name: "fake-policy", file: "p.yaml", line: 1 }] };
}

const row = (over: Partial<CaseResult>): CaseResult => ({ suite: "", policy: "", binding: null, resource: "", operation: "CREATE", expected: null, vap: "admit", source: "admit", pass: true, messages: [], reason: null, cost: 0, ...over });

describe("differences", () => {
  const dump = readDump(docsOf("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"));
  const run = (rows: () => CaseResult[]): PolicyImpact => runImpact([fakeUnit(rows)], dump, { operation: "CREATE", convertOptions: () => ({}) }).policies[0]!;

  it.each<[string, Partial<CaseResult>, object | undefined]>([
    ["both admit", {}, undefined],
    ["both deny", { source: "deny", vap: "deny", messages: ["no"] }, undefined],
    ["deny vs skip counts as differing; the source's text is the row's sourceMessages", { source: "deny", vap: "skip", pass: false, sourceMessages: ["bad (very), VAP bad"], reason: "engines disagree: Fake deny (bad (very), VAP bad), VAP skip" }, { source: "deny", vap: "skip", sourceMessages: ["bad (very), VAP bad"] }],
    ["the source's text is quoted only where the verdicts differ", { source: "deny", vap: "deny", sourceMessages: ["bad"], messages: ["no"] }, undefined],
    ["admit vs deny, with the VAP's messages", { source: "admit", vap: "deny", pass: false, messages: ["m1", "m2"], reason: "engines disagree: Fake admit, VAP deny" }, { source: "admit", vap: "deny", vapMessages: ["m1", "m2"] }],
    ["error rejects like deny: no difference", { source: "error", vap: "deny" }, undefined],
    ["a failed expectation is not a difference between the engines", { source: "deny", vap: "deny", expected: "admit", pass: false, reason: "both engines deny, fixture expects admit" }, undefined],
    ["same verdicts, different mutated objects: a difference with its reason", { source: "admit", vap: "admit", pass: false, reason: "PSP admitted after mutating the pod, but the MutatingAdmissionPolicies produced a different pod" }, { source: "admit", vap: "admit", reason: "PSP admitted after mutating the pod, but the MutatingAdmissionPolicies produced a different pod" }],
  ])("%s", (_, over, want) => {
    const p = run(() => [row(over)]);
    expect(p.differences).toEqual(want ? [{ object: "Pod default/p", file: "dump.yaml", line: 1, ...want }] : []);
    expect(impactExitCode({ operation: "CREATE", summary: summarize([p], 1), namespacesAssumed: [], policies: [p] })).toBe(want ? 1 : 0);
  });

  it.each<[string, () => CaseResult[], RegExp]>([
    ["a replay that throws", () => { throw new Error("engine broke"); }, /^engine broke$/],
    ["a replay that returns the wrong number of rows", () => [row({}), row({})], /returned 2 rows for 1 objects/],
  ])("%s gives the entry an error; it counts as differing", (_, rows, re) => {
    const p = run(rows);
    expect(p.error).toMatch(re);
    const r: ImpactReport = { operation: "CREATE", summary: summarize([p], 1), namespacesAssumed: [], policies: [p] };
    expect(r.summary).toMatchObject({ agreeing: 0, differing: 1 });
    expect(impactExitCode(r)).toBe(1);
    expect(validateJson(SCHEMA, r)).toEqual([]);
  });

  it("an InputError from a converter is bad input: it propagates", () => {
    expect(() => run(() => { throw new InputError("bad template", "t.yaml", 3); })).toThrow(/^t\.yaml:3: bad template$/);
  });
});

describe("renderMarkdown", () => {
  it("a summary table, then per policy its source, status and a table of rejected objects", () => {
    const md = renderMarkdown(impact(fileDocs(...FIXTURE_POLICIES)));
    expect(md).toContain("8 objects replayed as a CREATE through 3 policies: 3 agree, 0 differ (0 differences); 0 converted with gaps.");
    expect(md).toContain("| `restricted` | psp | converted | 0 | 4 | 4 | 0 |");
    expect(md).toContain("| `disallow-host-namespaces` | kyverno | converted | 0 | 2 | 2 | 0 |");
    expect(md).toContain("### Gatekeeper `k8sdenyprivileged` — agrees");
    expect(md).toContain("| `Deployment team-a/api` | rejects | rejects | |");
    expect(md).toContain("Namespaces not in the dump, assumed with only their name label: `kube-system`.");
  });

  it("marks differences, quotes both engines, escapes pipes and lists gaps", () => {
    const md = renderMarkdown(impact(fileDocs("fixtures/impact/policies/limit-pods-per-namespace.yaml")));
    expect(md).toContain("### Kyverno `limit-pods-per-namespace` — differs on 6 objects");
    expect(md).toMatch(/\| `Pod team-a\/web` \| rejects \| admits \(skip\) \| \*\*differs\*\* — Kyverno: limit-pods-per-namespace\/pod-count: [^\n]*\|\n/);
    expect(md).toMatch(/- `pod-count` \(fixtures\/impact\/policies\/limit-pods-per-namespace\.yaml:\d+\): \[kyverno\.context\.apiCall\] /);
    const p: PolicyImpact = { ...byName(impact(fileDocs(...FIXTURE_POLICIES)), "restricted"), differences: [{ object: "Pod a/b", file: "d", line: 1, source: "deny", vap: "admit", sourceMessages: ["x | y\nz"] }] };
    expect(renderMarkdown({ operation: "CREATE", summary: summarize([p], 8), namespacesAssumed: [], policies: [p] })).toContain("**differs** — PSP: x \\| y z |");
  });

  it(`lists at most ${ROW_LIMIT} objects both engines reject, then counts the rest`, () => {
    const many = Array.from({ length: ROW_LIMIT + 7 }, (_, i) => `Pod ns/p${i}`);
    const p: PolicyImpact = { ...byName(impact(fileDocs(...FIXTURE_POLICIES)), "restricted"), objects: many.length, rejectedBySource: many, rejectedByVap: many };
    const md = renderMarkdown({ operation: "UPDATE", summary: summarize([p], many.length), namespacesAssumed: [], policies: [p] });
    expect(md.match(/^\| `Pod ns\/p\d+` \| rejects \| rejects \| \|$/gm)).toHaveLength(ROW_LIMIT);
    expect(md).toContain("| … 7 more rejected by both (see -o json) | | | |");
    expect(md).toContain("replayed as an UPDATE of themselves");
  });
});

describe("the JSON contract", () => {
  it("a real report is valid against docs/schemas/impact-report.schema.json, keys in contract order", () => {
    const r = JSON.parse(JSON.stringify(impact(fileDocs(...FIXTURE_POLICIES)))) as ImpactReport;
    expect(validateJson(SCHEMA, r)).toEqual([]);
    expect(Object.keys(r)).toEqual(["operation", "summary", "namespacesAssumed", "policies"]);
    expect(Object.keys(r.summary)).toEqual(["policies", "objects", "agreeing", "differing", "withGaps", "differences", "rejectedBySource", "rejectedByVap"]);
    expect(Object.keys(r.policies[0]!)).toEqual(["name", "converter", "file", "line", "sources", "status", "gaps", "vapPolicies", "objects", "rejectedBySource", "rejectedByVap", "differences", "note"]);
    expect(r.summary).toEqual({ policies: 3, objects: 8, agreeing: 3, differing: 0, withGaps: 0, differences: 0, rejectedBySource: 7, rejectedByVap: 7 });
  });

  it.each<[string, (r: Record<string, unknown>) => void, RegExp]>([
    ["a missing summary", (r) => delete r["summary"], /must have required property 'summary'/],
    ["an unknown operation", (r) => (r["operation"] = "DELETE"), /\/operation: must be equal to one of the allowed values/],
    ["a difference without its verdicts", (r) => ((r["policies"] as PolicyImpact[])[0]!.differences = [{ object: "Pod a/b", file: "f", line: 1 } as never]), /\/policies\/0\/differences\/0: must have required property 'source'/],
  ])("the schema refuses %s", (_, spoil, re) => {
    const r = JSON.parse(JSON.stringify(impact(fileDocs(...FIXTURE_POLICIES)))) as Record<string, unknown>;
    spoil(r);
    expect(validateJson(SCHEMA, r).join("\n")).toMatch(re);
  });
});
