// gator suites: reading (types, paths, errors with file:line), gator's assertion rules, the expected verdict, and
// replaying a suite with a fake Rego evaluator (match first, autoreject, eval errors, dedup, skips).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gatekeeperViolations, runSuite, TemplateError, type RegoEval } from "../converters/rego/gatekeeper/run.js";
import { gatorReview } from "../converters/rego/gatekeeper/review.js";
import { parseConstraint, parseTemplate } from "../converters/rego/gatekeeper/model.js";
import { assertionsHold, expectedVerdict, lenientQuotedScalars, loadCaseObject, readDocs, readSuite, resolveSuitePath, type GatorAssertion } from "../converters/rego/gatekeeper/suite.js";
import { InputError, parseDocuments } from "../src/input/yaml.js";
import type { KObject } from "../src/vap/types.js";

type A = Pick<GatorAssertion, "violations" | "message">;
const v = (...msgs: string[]) => msgs.map((msg) => ({ msg }));

describe("assertionsHold (gator assertion.go)", () => {
  it.each<[string, A[], { msg: string }[], boolean, RegExp | null]>([
    ["no assertions is an invalid case", [], [], false, /assertions must be non-empty/],
    ["default is yes", [{}], v("x"), true, null],
    ["default yes, none", [{}], [], false, /got 0 violations but want at least 1: got messages \[\]/],
    ["yes", [{ violations: "yes" }], v("a", "b"), true, null],
    ["no", [{ violations: "no" }], [], true, null],
    ["no, but one", [{ violations: "no" }], v("a"), false, /got 1 violations but want none: got messages \[a\]/],
    ["exact count", [{ violations: 2 }], v("a", "b"), true, null],
    ["exact count mismatch", [{ violations: 1 }], v("a", "b"), false, /got 2 violations but want exactly 1/],
    ["zero", [{ violations: 0 }], [], true, null],
    ["message regexp is unanchored", [{ violations: 1, message: "init" }], v("initContainer x", "container y"), true, null],
    ["message counts only matches", [{ violations: "no", message: "init" }], v("container y"), true, null],
    ["message is case-sensitive", [{ violations: "yes", message: "Init" }], v("init"), false, /containing "Init" but want at least 1/],
    ["RE2 syntax", [{ violations: 1, message: "^con.*y$" }], v("container y", "container x"), true, null],
    ["all must hold", [{ violations: "yes" }, { violations: "no", message: "bad" }], v("a bad one"), false, /containing "bad" but want none/],
    ["bad string", [{ violations: "Yes" }], v("a"), false, /must be a nonnegative integer, "yes", or "no"/],
    ["negative", [{ violations: -1 }], v("a"), false, /must be a nonnegative integer/],
    ["invalid regexp", [{ violations: "yes", message: "(" }], v("a"), false, /message contains invalid regular expression/],
    ["invalid regexp unnoticed without violations", [{ violations: "no", message: "(" }], [], true, null],
  ])("%s", (_n, assertions, violations, pass, reason) => {
    const r = assertionsHold(assertions, violations);
    expect(r.pass).toBe(pass);
    if (reason) expect(r.reason).toMatch(reason);
    else expect(r.reason).toBeNull();
  });
});

describe("expectedVerdict", () => {
  it.each<[string, A[], "deny" | "admit"]>([
    ["yes", [{ violations: "yes" }], "deny"],
    ["default", [{}], "deny"],
    ["count ≥ 1", [{ violations: 2 }], "deny"],
    ["with message", [{ violations: 1, message: "x" }], "deny"],
    ["no", [{ violations: "no" }], "admit"],
    ["zero", [{ violations: 0 }], "admit"],
    ["filtered no only", [{ violations: "no", message: "x" }], "admit"],
    ["yes + filtered no", [{ violations: "yes" }, { violations: "no", message: "x" }], "deny"],
    ["yes + unfiltered no", [{ violations: "yes", message: "a" }, { violations: "no" }], "admit"],
    ["none", [], "admit"],
  ])("%s", (_n, assertions, want) => expect(expectedVerdict(assertions)).toBe(want));
});

// ---------------------------------------------------------------------------------------------------------------

const TEMPLATE = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8snolatest
spec:
  crd:
    spec:
      names:
        kind: K8sNoLatest
      validation:
        openAPIV3Schema:
          type: object
          properties:
            suffix: {type: string, default: ":latest"}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8snolatest
        violation[{"msg": msg}] {
          c := input.review.object.spec.containers[_]
          endswith(c.image, input.parameters.suffix)
          msg := sprintf("container %v uses latest", [c.name])
        }
`;

function constraint(match: string, extra = ""): string {
  return `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNoLatest
metadata:
  name: no-latest
spec:
${extra}  match:
${match}
  parameters: {}
`;
}

const podYaml = (name: string, image: string, ns = "default", labels = "{}") =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: ${labels}\nspec:\n  containers:\n  - name: c1\n    image: ${image}\n  - name: c2\n    image: ${image}\n`;

/** A stand-in for the Rego engine: the template above, in TypeScript. */
const fakeEval: RegoEval = (modules, input) => {
  expect(modules[0]!.role).toBe("template");
  expect(modules[0]!.text).toMatch(/^package k8snolatest/);
  const obj = input.review.object as { spec?: { containers?: { name: string; image: string }[] } };
  const suffix = (input.parameters as { suffix: string }).suffix;
  return (obj.spec?.containers ?? []).filter((c) => c.image.endsWith(suffix)).map((c) => ({ msg: `container ${c.name} uses latest` }));
};

const trees: string[] = [];
afterAll(() => {
  for (const dir of trees) rmSync(dir, { recursive: true, force: true });
});

function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "gk-suite-"));
  trees.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

const SUITE = `kind: Suite
apiVersion: test.gatekeeper.sh/v1alpha1
metadata:
  name: nolatest
tests:
- name: no-latest
  template: template.yaml
  constraint: samples/constraint.yaml
  cases:
  - name: bad
    object: samples/bad.yaml
    assertions:
    - violations: yes
    - violations: 2
    - violations: 1
      message: "c1 uses"
  - name: good
    object: samples/good.yaml
    assertions:
    - violations: no
  - name: excluded-namespace
    object: samples/bad-kube.yaml
    assertions:
    - violations: no
  - name: admission-review-update
    object: samples/update.yaml
    assertions:
    - violations: yes
  - name: wrong-expectation
    object: samples/good.yaml
    assertions:
    - violations: yes
  - name: skipped
    skip: true
    object: samples/bad.yaml
  - name: no-assertions
    object: samples/good.yaml
  - name: two-objects
    object: samples/two.yaml
    assertions:
    - violations: no
  - name: with-inventory
    object: samples/good.yaml
    inventory: [samples/inventory.yaml]
    assertions:
    - violations: no
- name: bad-constraint
  template: template.yaml
  constraint: samples/missing.yaml
  cases:
  - name: any
    object: samples/good.yaml
    assertions:
    - violations: no
- name: schema
  template: template.yaml
  constraint: samples/invalid-params.yaml
  invalid: true
`;

function fixture(): string {
  return writeTree({
    "suite.yaml": SUITE,
    "template.yaml": TEMPLATE,
    "samples/constraint.yaml": constraint('    kinds: [{apiGroups: [""], kinds: ["Pod"]}]\n    excludedNamespaces: ["kube-*"]'),
    "samples/invalid-params.yaml": constraint("    kinds: []").replace("parameters: {}", "parameters: {suffix: 3}"),
    "samples/bad.yaml": podYaml("bad", "nginx:latest"),
    "samples/bad-kube.yaml": podYaml("bad", "nginx:latest", "kube-system"),
    "samples/good.yaml": podYaml("good", "nginx:1.2"),
    "samples/two.yaml": podYaml("a", "x:1") + "---\n" + podYaml("b", "x:1"),
    "samples/inventory.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n---\n# comment only\n---\n" + podYaml("other", "x:latest"),
    "samples/update.yaml": `apiVersion: admission.k8s.io/v1beta1
kind: AdmissionReview
request:
  operation: UPDATE
  object:
${podYaml("upd", "nginx:latest")
  .split("\n")
  .map((l) => (l ? `    ${l}` : l))
  .join("\n")}`,
    "other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
  });
}

describe("readSuite", () => {
  it("reads tests and cases with resolved paths; YAML 1.2 yes/no stay strings", () => {
    const dir = fixture();
    const s = readSuite(path.join(dir, "suite.yaml"))!;
    expect(s.name).toBe("nolatest");
    expect(s.tests.map((t) => t.name)).toEqual(["no-latest", "bad-constraint", "schema"]);
    const t = s.tests[0]!;
    expect(t.template).toBe(path.join(dir, "template.yaml"));
    expect(t.cases).toHaveLength(9);
    expect(t.cases[0]!.assertions.map((a) => a.violations)).toEqual(["yes", 2, 1]);
    expect(t.cases[0]!.assertions[2]!.message).toBe("c1 uses");
    expect(t.cases[0]!.line).toBe(10);
    expect(t.cases[5]!.skip).toBe(true);
    expect(t.cases[8]!.inventory).toEqual([path.join(dir, "samples/inventory.yaml")]);
    expect(s.tests[2]!.invalid).toBe(true);
  });

  it("ignores files that are not suites", () => {
    const dir = fixture();
    expect(readSuite(path.join(dir, "other.yaml"))).toBeUndefined();
    expect(readSuite(path.join(dir, "template.yaml"))).toBeUndefined();
  });

  it("joins paths like gator: absolute refs land under the suite folder", () => {
    expect(resolveSuitePath("/a/b/suite.yaml", "x/y.yaml")).toBe("/a/b/x/y.yaml");
    expect(resolveSuitePath("/a/b/suite.yaml", "/etc/passwd")).toBe("/a/b/etc/passwd");
    expect(resolveSuitePath("/a/b/suite.yaml", "../c.yaml")).toBe("/a/c.yaml");
  });

  it.each<[string, string, string, number]>([
    ["skip must be a bool", "  - name: skipped\n    skip: true", "  - name: skipped\n    skip: yes", 34],
    ["violations must be int or string", "    - violations: 2\n", "    - violations: 2.5\n", 14],
    ["violations true", "    - violations: 2\n", "    - violations: true\n", 14],
    ["message must be a string", 'message: "c1 uses"', "message: 3", 16],
    ["tests must be a list", "tests:\n- name: no-latest", "tests: {}\nx:\n- name: no-latest", 5],
  ])("type errors carry file:line: %s", (_n, from, to, line) => {
    const text = SUITE.replace(from, to);
    expect(text).not.toBe(SUITE);
    const dir = writeTree({ "suite.yaml": text });
    const f = path.join(dir, "suite.yaml");
    try {
      readSuite(f);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).file).toBe(f);
      expect((e as InputError).line).toBe(line);
    }
  });

  it("an object file must hold exactly one object", () => {
    const dir = fixture();
    expect(() => loadCaseObject({ object: path.join(dir, "samples/two.yaml"), line: 1 })).toThrow(/exactly one object/);
    expect(loadCaseObject({ object: path.join(dir, "samples/good.yaml"), line: 1 }).object.kind).toBe("Pod");
  });
});

describe("runSuite with a fake Rego evaluator", () => {
  const dir = fixture();
  const rows = runSuite(path.join(dir, "suite.yaml"), fakeEval);
  const byCase = (test: string, kase: string) => rows.find((r) => r.test === test && r.case === kase)!;

  it("one row per case, CaseResult-compatible", () => {
    expect(rows.map((r) => `${r.test}/${r.case}`)).toEqual([
      "no-latest/bad",
      "no-latest/good",
      "no-latest/excluded-namespace",
      "no-latest/admission-review-update",
      "no-latest/wrong-expectation",
      "no-latest/skipped",
      "no-latest/no-assertions",
      "no-latest/two-objects",
      "no-latest/with-inventory",
      "bad-constraint/any",
      "schema/",
    ]);
    const bad = byCase("no-latest", "bad");
    expect(bad).toMatchObject({ policy: "k8snolatest", binding: "no-latest", resource: "default/bad", operation: "-", expected: "deny", vap: "deny", pass: true, reason: null, cost: 0, gatorEngine: "Rego" });
    expect(bad.messages).toEqual(["container c1 uses latest", "container c2 uses latest"]);
    expect(bad.file).toBe(path.join(dir, "samples/bad.yaml"));
    expect(bad.objectLine).toBe(1);
  });

  it("applies the constraint match before Rego", () => {
    expect(byCase("no-latest", "excluded-namespace")).toMatchObject({ vap: "admit", pass: true, expected: "admit" });
    expect(byCase("no-latest", "good")).toMatchObject({ vap: "admit", pass: true });
  });

  it("AdmissionReview objects keep their operation", () => {
    expect(byCase("no-latest", "admission-review-update")).toMatchObject({ operation: "UPDATE", vap: "deny", pass: true, resource: "default/upd" });
  });

  it("reports failed assertions, skips and gator's case errors", () => {
    expect(byCase("no-latest", "wrong-expectation")).toMatchObject({ pass: false, expected: "deny", vap: "admit" });
    expect(byCase("no-latest", "wrong-expectation").reason).toMatch(/got 0 violations but want at least 1/);
    expect(byCase("no-latest", "skipped")).toMatchObject({ skipped: true, pass: true, vap: "skip", expected: "skip" });
    expect(byCase("no-latest", "no-assertions")).toMatchObject({ pass: false, vap: "error" });
    expect(byCase("no-latest", "no-assertions").reason).toMatch(/assertions must be non-empty/);
    expect(byCase("no-latest", "two-objects").reason).toMatch(/exactly one object/);
    expect(byCase("no-latest", "with-inventory")).toMatchObject({ pass: true, vap: "admit" });
    expect(byCase("bad-constraint", "any")).toMatchObject({ pass: false, vap: "error" });
    expect(byCase("bad-constraint", "any").reason).toMatch(/no such file/);
  });

  it("invalid: true passes when the constraint fails schema validation", () => {
    expect(byCase("schema", "")).toMatchObject({ pass: true, expected: "error" });
  });
});

describe("gatekeeperViolations", () => {
  const t = parseTemplate(parseDocuments(TEMPLATE, "t.yaml")[0]!, TEMPLATE);
  const c = (match: string, extra = "") => parseConstraint(parseDocuments(constraint(match, extra), "c.yaml")[0]!);
  const review = gatorReview(parseDocuments(podYaml("p", "x:latest", "prod"), "o.yaml")[0]!.doc as KObject);

  it("passes defaulted parameters, the review and data.inventory to the evaluator", () => {
    let seen: unknown;
    const inv: KObject = { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "prod" } };
    const out = gatekeeperViolations(t, c("    kinds: []"), review, [inv], (mods, input, data) => {
      seen = { input, data, lineOffset: mods[0]!.lineOffset, version: mods[0]!.version };
      return [];
    });
    expect(out).toEqual([]);
    expect(seen).toEqual({
      input: { review, parameters: { suffix: ":latest" } },
      data: { inventory: { namespace: { prod: { v1: { Service: { s: inv } } } } } },
      lineOffset: 17,
      version: "v0",
    });
  });

  it("dedups like the hook's set and drops elements without msg; details default to {}", () => {
    const out = gatekeeperViolations(t, c("    kinds: []"), review, [], () => [{ msg: "a" }, { msg: "a", details: {} }, { msg: "b", details: { x: 1 } }, { details: 1 } as never]);
    expect(out.map((v) => [v.msg, v.details])).toEqual([["a", {}], ["b", { x: 1 }]]);
    expect(out[0]!.constraint).toEqual({ kind: "K8sNoLatest", name: "no-latest" });
  });

  it("autorejects when the match cannot be decided (namespaceSelector without the Namespace)", () => {
    const out = gatekeeperViolations(t, c("    namespaceSelector: {matchLabels: {env: prod}}"), review, [], fakeEval);
    expect(out).toHaveLength(1);
    expect(out[0]!.autoreject).toBe(true);
    expect(out[0]!.msg).toBe("unable to match constraints: error matching the requested object: p :failed to run Match criteria: namespace selector for namespace-scoped object but missing Namespace");
    const nsObj: KObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod", labels: { env: "prod" } } };
    expect(gatekeeperViolations(t, c("    namespaceSelector: {matchLabels: {env: prod}}"), review, [nsObj], fakeEval)).toHaveLength(2);
  });

  it("evaluation errors become a violation; compile errors fail the template", () => {
    const boom = () => {
      throw Object.assign(new Error("eval_type_error: boom"), { code: "eval_type_error" });
    };
    expect(gatekeeperViolations(t, c("    kinds: []"), review, [], boom)).toMatchObject([{ msg: "eval_type_error: boom", evalError: true }]);
    const parse = () => {
      throw Object.assign(new Error("t.yaml:19: rego_parse_error: unexpected }"), { code: "rego_parse_error" });
    };
    expect(() => gatekeeperViolations(t, c("    kinds: []"), review, [], parse)).toThrow(TemplateError);
  });

  it("scoped enforcement actions and template operations", () => {
    const scoped = (ep: string) => c("    kinds: []", `  enforcementAction: scoped\n  scopedEnforcementActions:\n  - action: deny\n    enforcementPoints: [{name: ${ep}}]\n`);
    expect(gatekeeperViolations(t, scoped("vap.k8s.io"), review, [], fakeEval)).toEqual([]);
    expect(gatekeeperViolations(t, scoped("gator.gatekeeper.sh"), review, [], fakeEval)).toHaveLength(2);
    expect(gatekeeperViolations(t, scoped('"*"'), review, [], fakeEval)).toHaveLength(2);
    const withOps = parseTemplate(parseDocuments(TEMPLATE.replace("      rego: |", "      operations: [CREATE]\n      rego: |"), "t.yaml")[0]!);
    const upd = { ...review, operation: "UPDATE" };
    expect(gatekeeperViolations(withOps, c("    kinds: []"), upd, [], fakeEval)).toHaveLength(2); // gator ignores operations
    expect(gatekeeperViolations(withOps, c("    kinds: []"), upd, [], fakeEval, { enforcementPoint: "validation.gatekeeper.sh" })).toEqual([]);
  });
});

describe("lenientQuotedScalars (yaml.v3 leniency)", () => {
  it.each<[string, string, string]>([
    ["under-indented double-quoted continuation", 'a:\n  b:\n    d: "one\n    two"\n    t: x\n', 'a:\n  b:\n    d: "one\n     two"\n    t: x\n'],
    ["escaped quote keeps it open", 'k: "a \\" b\nc"\n', 'k: "a \\" b\n c"\n'],
    ["single quotes with doubled quote", "k: 'it''s\nx'\n", "k: 'it''s\n x'\n"],
    ["sequence item", '- "a\nb"\n', '- "a\n b"\n'],
    ["closed scalars untouched", 'k: "a"\nl: \'b\'\n# "x\n', 'k: "a"\nl: \'b\'\n# "x\n'],
  ])("%s", (_n, input, want) => {
    expect(lenientQuotedScalars(input)).toBe(want);
  });

  it("readDocs falls back to it, keeping lines and the folded value", () => {
    const dir = writeTree({ "t.yaml": 'a:\n  b:\n    d: "one\n    two"\n    t: x\n' });
    const { docs } = readDocs(path.join(dir, "t.yaml"));
    expect(docs[0]!.doc).toEqual({ a: { b: { d: "one two", t: "x" } } });
    expect(docs[0]!.lineOf!(["a", "b", "t"])).toBe(5);
  });
});
