// The converter registry: which converter a document belongs to, how a set of sources is detected (unknown and mixed
// documents are input errors with file:line), and the PSP converter behind the seam (parse with file:line and unique
// names, convert = convertPsps, replay through the PSP engine and the VAP engine).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pspConverter } from "../converters/psp/index.js";
import { convertPsps } from "../converters/psp/convert.js";
import { parsePspFile } from "../converters/psp/parse.js";
import { converterById, converterFor, converters, detectSource } from "../src/convert/registry.js";
import { InputError, parseDocuments } from "../src/input/yaml.js";

const PSP_SPEC = { seLinux: { rule: "RunAsAny" }, runAsUser: { rule: "RunAsAny" }, supplementalGroups: { rule: "RunAsAny" }, fsGroup: { rule: "RunAsAny" } };
/** The message of the InputError `f` throws ("no error" when it returns). */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  return "no error";
}

const psp = (name: string, apiVersion = "policy/v1beta1"): object => ({ apiVersion, kind: "PodSecurityPolicy", metadata: { name }, spec: PSP_SPEC });

describe("converterFor", () => {
  it.each<[string, unknown, string | undefined]>([
    ["PSP policy/v1beta1", psp("a"), "psp"],
    ["PSP extensions/v1beta1", psp("a", "extensions/v1beta1"), "psp"],
    ["PSP under an API version it was never served in", psp("a", "policy/v1"), undefined],
    ["List of PSPs", { apiVersion: "v1", kind: "List", items: [psp("a"), psp("b")] }, "psp"],
    ["PodSecurityPolicyList", { apiVersion: "policy/v1beta1", kind: "PodSecurityPolicyList", items: [psp("a")] }, "psp"],
    ["empty List", { apiVersion: "v1", kind: "List", items: [] }, undefined],
    ["List with a Pod", { apiVersion: "v1", kind: "List", items: [psp("a"), { apiVersion: "v1", kind: "Pod" }] }, undefined],
    ["Pod", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }, undefined],
    ["ValidatingAdmissionPolicy", { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy" }, undefined],
    ["ConstraintTemplate", { apiVersion: "templates.gatekeeper.sh/v1", kind: "ConstraintTemplate", metadata: { name: "k8sx" } }, "gatekeeper"],
    ["Gatekeeper Constraint", { apiVersion: "constraints.gatekeeper.sh/v1beta1", kind: "K8sX", metadata: { name: "x" } }, "gatekeeper"],
    ["a string", "PodSecurityPolicy", undefined],
    ["null", null, undefined],
  ])("%s → %s", (_, doc, id) => {
    expect(converterFor(doc)?.id).toBe(id);
  });

  it("lists the PSP converter and finds it by id", () => {
    expect(converters().map((c) => c.id)).toContain("psp");
    expect(converterById("psp")).toBe(pspConverter);
    expect(converterById("nope")).toBeUndefined();
  });
});

describe("detectSource", () => {
  const docs = (text: string) => parseDocuments(text, "in.yaml");
  const PSP = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: a}\nspec: {}\n";
  it.each<[string, string, string | RegExp]>([
    ["one PSP", PSP, "psp"],
    ["two PSPs", `${PSP}---\n${PSP.replace("name: a", "name: b")}`, "psp"],
    ["a Pod after a PSP: file:line of its kind", `${PSP}---\napiVersion: v1\n\nkind: Pod\n`, /^in\.yaml:8: not a policy of a known source \(kind Pod, apiVersion v1\); known: psp/],
    ["a document without kind", "foo: bar\n", /^in\.yaml:1: not a policy of a known source \(kind \(no kind\), apiVersion \(no apiVersion\)\)/],
    ["a YAML list", "- a\n- b\n", /^in\.yaml:1: not a policy of a known source \(a list, not a Kubernetes object\)/],
    ["nothing", "", /^<input>: no policy documents found/],
  ])("%s", (_, text, want) => {
    if (typeof want === "string") expect(detectSource(docs(text)).id).toBe(want);
    else expect(errorOf(() => detectSource(docs(text)))).toMatch(want);
  });
});

describe("PSP converter", () => {
  const load = (text: string, file = "in.yaml") => pspConverter.parse(parseDocuments(text, file));
  it.each<[string, string, string]>([
    ["duplicate names", "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: a}\nspec: {seLinux: {rule: RunAsAny}, runAsUser: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}\n---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: a}\nspec: {seLinux: {rule: RunAsAny}, runAsUser: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}\n", "in.yaml:6: PodSecurityPolicy a is defined twice (first in in.yaml:1)"],
    ["invalid rule in a block map: the key's line", "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: bad\nspec:\n  seLinux: {rule: RunAsAny}\n  runAsUser:\n    rule: Sometimes\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n", "in.yaml:8: spec.runAsUser.rule: Unsupported value"],
    ["another kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", 'in.yaml:2: expected kind PodSecurityPolicy, got "Pod"'],
    ["an empty List", "apiVersion: v1\nkind: List\nitems: []\n", "in.yaml: no PodSecurityPolicy found"],
  ])("parse: %s", (_, text, want) => {
    expect(errorOf(() => load(text))).toContain(want);
  });

  it("parse finds the same PSPs, lines included, as parsePspFile", () => {
    for (const f of ["fixtures/psp/restricted.yaml", "fixtures/psp/baseline.yaml", "fixtures/psp/privileged.yaml"]) {
      const text = readFileSync(f, "utf8");
      expect(load(text, f)).toEqual(parsePspFile(text, f));
    }
  });

  it("convert is convertPsps over the set", () => {
    const psps = load(readFileSync("fixtures/psp/restricted.yaml", "utf8"), "fixtures/psp/restricted.yaml");
    const opts = { targetVersion: "1.34", rbac: "ignore" as const, actions: ["Warn" as const, "Audit" as const] };
    expect(pspConverter.convert(psps, opts)).toEqual(convertPsps(psps, opts));
  });

  it("replay runs every fixture through both engines, with a CEL cost per case", () => {
    const psps = load(readFileSync("fixtures/psp/restricted.yaml", "utf8"), "fixtures/psp/restricted.yaml");
    const { manifests } = pspConverter.convert(psps, {});
    const fixtures = ["allowed-defaulted.yaml", "disallowed-privileged.yaml"].map((f) => {
      const [d] = parseDocuments(readFileSync(`fixtures/psp/pods/${f}`, "utf8"), `fixtures/psp/pods/${f}`);
      return { doc: d!.doc, file: d!.file, line: d!.line };
    });
    const cases = pspConverter.replay({ sources: psps, manifests, fixtures, suite: "psp" });
    expect(cases.map((c) => [c.suite, c.expected, c.source, c.vap, c.pass])).toEqual([
      ["psp", "admit", "admit", "admit", true],
      ["psp", "deny", "deny", "deny", true],
    ]);
    for (const c of cases) expect(Number.isInteger(c.cost) && c.cost >= 0).toBe(true);
  });
});
