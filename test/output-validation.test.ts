// Output validation (src/vap/validate-output.ts) and the output check every conversion passes
// (src/convert/output-check.ts): each kind of defect is a located issue; a refused validation or policy becomes a
// named gap; PSP sets of 5 and 100 copies and a PSP with 5,000 allowedHostPaths give only objects the API server
// takes (and `migrate eval`'s loader accepts); output grows linearly with the number of PSPs; --target-version picks
// the API versions of the target and refuses versions without ValidatingAdmissionPolicy or newer than we know.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pspConverter } from "../converters/psp/index.js";
import type { PodSecurityPolicy } from "../converters/psp/model.js";
import { parsePspFile } from "../converters/psp/parse.js";
import { checkPolicies } from "../src/cli/eval.js";
import { convertOptions } from "../src/cli/shared.js";
import { checkOutput } from "../src/convert/output-check.js";
import type { ConvertResult } from "../src/convert/types.js";
import { parseDocuments } from "../src/input/yaml.js";
import { MAX_EXPRESSION_CODE_POINTS, MAX_OBJECT_BYTES, validateObject, validateOutput, type OutputIssue } from "../src/vap/validate-output.js";
import { runMigrate, tempDirs } from "./support/cli-run.js";
import { stringify } from "yaml";

type Json = Record<string, unknown>;

const vap = (spec: Json = {}, name = "p", apiVersion = "admissionregistration.k8s.io/v1"): Json => ({
  apiVersion,
  kind: "ValidatingAdmissionPolicy",
  metadata: { name },
  spec: {
    failurePolicy: "Fail",
    matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }] },
    validations: [{ expression: "object.metadata.name != ''", message: "named" }],
    ...spec,
  },
});
const binding = (spec: Json = {}, name = "p-binding"): Json => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  metadata: { name },
  spec: { policyName: "p", validationActions: ["Deny"], ...spec },
});
const map = (spec: Json = {}): Json => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "MutatingAdmissionPolicy",
  metadata: { name: "m" },
  spec: {
    failurePolicy: "Fail",
    matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }] },
    mutations: [{ patchType: "JSONPatch", jsonPatch: { expression: "[JSONPatch{op: 'add', path: '/metadata/labels', value: {}}]" } }],
    reinvocationPolicy: "Never",
    ...spec,
  },
});
/** A valid expression of exactly `cps` code points, made of 𝑥 (one code point, two UTF-16 units: counting units would double it). */
const longString = (cps: number): string => `'${"𝑥".repeat(cps - 8)}' != ''`;

describe("validateObject: every defect is a located issue", () => {
  const rows: { name: string; obj: Json; version?: string; want: Partial<OutputIssue> | undefined }[] = [
    { name: "a valid VAP", obj: vap(), want: undefined },
    { name: "a valid binding", obj: binding(), want: undefined },
    { name: "a valid MAP", obj: map(), want: undefined },
    { name: "name longer than 253", obj: vap({}, "a".repeat(254)), want: { field: "metadata.name", code: "invalid" } },
    { name: "name not a DNS subdomain", obj: vap({}, "Psp_Set"), want: { field: "metadata.name", code: "invalid" } },
    { name: "failurePolicy enum", obj: vap({ failurePolicy: "Sometimes" }), want: { field: "spec.failurePolicy", code: "invalid" } },
    { name: "matchPolicy enum", obj: vap({ matchConstraints: { matchPolicy: "Loose", resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }] } }), want: { field: "spec.matchConstraints.matchPolicy" } },
    { name: "operation enum", obj: vap({ matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["PATCH"] }] } }), want: { field: "spec.matchConstraints.resourceRules[0].operations[0]" } },
    { name: "reason enum", obj: vap({ validations: [{ expression: "true", reason: "Teapot" }] }), want: { field: "spec.validations[0].reason" } },
    { name: "validationActions enum", obj: binding({ validationActions: ["Block"] }), want: { field: "spec.validationActions[0]", code: "invalid" } },
    { name: "Deny with Warn", obj: binding({ validationActions: ["Deny", "Warn"] }), want: { field: "spec.validationActions" } },
    { name: "reinvocationPolicy enum", obj: map({ reinvocationPolicy: "Always" }), want: { field: "spec.reinvocationPolicy" } },
    { name: "patchType enum", obj: map({ mutations: [{ patchType: "StrategicMerge", jsonPatch: { expression: "[]" } }] }), want: { field: "spec.mutations[0].patchType" } },
    { name: "variable name not a CEL identifier", obj: vap({ variables: [{ name: "a-b", expression: "1" }] }), want: { field: "spec.variables[0].name" } },
    {
      name: "expression over 100,000 code points (astral characters count once)",
      obj: vap({ validations: [{ expression: longString(MAX_EXPRESSION_CODE_POINTS + 1) }] }),
      want: { field: "spec.validations[0].expression", code: "too-large" },
    },
    { name: "expression of exactly 100,000 code points", obj: vap({ validations: [{ expression: longString(MAX_EXPRESSION_CODE_POINTS) }] }), want: undefined },
    { name: "oversized MAP mutation", obj: map({ mutations: [{ patchType: "JSONPatch", jsonPatch: { expression: `${longString(MAX_EXPRESSION_CODE_POINTS + 1)} ? [] : []` } }] }), want: { field: "spec.mutations[0].jsonPatch.expression", code: "too-large" } },
    { name: "object over 1.5 MiB", obj: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "params" }, data: { x: "y".repeat(MAX_OBJECT_BYTES) } }, want: { field: "", code: "too-large" } },
    { name: "uncompilable validation", obj: vap({ validations: [{ expression: "object.spec.replicas +" }] }), want: { field: "spec.validations[0].expression", code: "compile" } },
    { name: "validation of the wrong type", obj: vap({ validations: [{ expression: "1" }] }), want: { field: "spec.validations[0].expression", code: "compile" } },
    { name: "variable read before it is declared", obj: vap({ variables: [{ name: "a", expression: "variables.b" }, { name: "b", expression: "1" }] }), want: { field: "spec.variables[0].expression", code: "compile" } },
    { name: "MAP mutation that is not a JSONPatch list", obj: map({ mutations: [{ patchType: "JSONPatch", jsonPatch: { expression: "'x'" } }] }), want: { field: "spec.mutations[0].jsonPatch.expression", code: "compile" } },
    { name: "a function the target's CEL lacks", obj: vap({ validations: [{ expression: "[1].all(i, x, x > 0)" }] }), version: "1.30", want: { field: "spec.validations[0].expression", code: "compile" } },
    { name: "v1 VAP on 1.29", obj: vap(), version: "1.29", want: { field: "apiVersion", code: "api-version" } },
    { name: "v1beta1 VAP on 1.29", obj: vap({}, "p", "admissionregistration.k8s.io/v1beta1"), version: "1.29", want: undefined },
    { name: "variables on 1.27", obj: vap({ variables: [{ name: "a", expression: "1" }] }, "p", "admissionregistration.k8s.io/v1alpha1"), version: "1.27", want: { field: "spec.variables", code: "invalid" } },
    { name: "MAP v1 on 1.35", obj: map(), version: "1.35", want: { field: "apiVersion", code: "api-version" } },
  ];
  it.each(rows)("$name", ({ obj, version, want }) => {
    const issues = validateObject(obj, 0, { targetVersion: version ?? "1.36" });
    if (!want) expect(issues).toEqual([]);
    else expect(issues).toContainEqual(expect.objectContaining({ index: 0, ...want, message: expect.any(String) }));
  });
});

describe("checkOutput: what the API server would refuse is a named gap", () => {
  const result = (manifests: Json[]): ConvertResult => ({ manifests, gaps: [], status: "converted" });
  it("keeps a valid result as it is", () => {
    const r = result([vap(), binding()]);
    expect(checkOutput(r)).toBe(r);
  });
  it("folds line breaks in a static message (the API server refuses them) instead of dropping the policy", () => {
    const r = checkOutput(result([vap({ validations: [{ expression: "true", message: "first line\n  second line\n" }] }), binding()]));
    expect(r.gaps).toEqual([]);
    expect((r.manifests[0] as { spec: { validations: { message: string }[] } }).spec.validations[0]!.message).toBe("first line second line");
  });

  it("drops only the refused validation when others remain", () => {
    const r = checkOutput(result([vap({ validations: [{ expression: "true", message: "ok" }, { expression: "1 +" }] }), binding()]));
    expect(r.manifests).toHaveLength(2);
    expect((r.manifests[0] as { spec: { validations: unknown[] } }).spec.validations).toEqual([{ expression: "true", message: "ok" }]);
    expect(r.gaps).toEqual([expect.objectContaining({ id: "output.compile", effect: "weaker", rule: "p" })]);
    expect(r.status).toBe("partial");
  });
  it("drops a policy with its binding when nothing of it can stay", () => {
    const r = checkOutput(result([vap({ validations: [{ expression: longString(MAX_EXPRESSION_CODE_POINTS + 5) }] }), binding()]));
    expect(r.manifests).toEqual([]);
    expect(r.gaps).toEqual([expect.objectContaining({ id: "output.too-large", effect: "weaker" })]);
    expect(r.gaps[0]!.reason).toContain("ValidatingAdmissionPolicyBinding p-binding");
    expect(r.status).toBe("unsupported");
  });
  it("sets the target's apiVersions and names the beta API as a gap", () => {
    const r = checkOutput(result([vap(), binding()]), { targetVersion: "1.28" });
    expect(r.manifests.map((m) => (m as Json)["apiVersion"])).toEqual(["admissionregistration.k8s.io/v1beta1", "admissionregistration.k8s.io/v1beta1"]);
    expect(r.gaps.map((g) => g.id)).toEqual(["output.vap-v1beta1"]);
  });
});

// --- PSP sets --------------------------------------------------------------------------------------------------------

const restricted = parsePspFile(readFileSync("fixtures/psp/restricted.yaml", "utf8"), "fixtures/psp/restricted.yaml")[0]!;
const copies = (n: number): PodSecurityPolicy[] => Array.from({ length: n }, (_, i) => ({ ...restricted, metadata: { ...restricted.metadata, name: `restricted-${String(i).padStart(3, "0")}` } }));
const yamlOf = (r: ConvertResult): string => r.manifests.map((m) => `---\n${stringify(m, { lineWidth: 0 })}`).join("");

/** Every object passes the validator and `migrate eval`'s loader (checkPolicies: compile as the API server). */
function expectValid(r: ConvertResult, targetVersion = "1.36"): void {
  expect(validateOutput(r.manifests, { targetVersion })).toEqual([]);
  expect(() => checkPolicies(parseDocuments(yamlOf(r), "out.yaml"))).not.toThrow();
}

describe("PSP sets give only objects the API server takes, linear in the number of PSPs", () => {
  const sizes = new Map<number, number>();
  const results = new Map<number, ConvertResult>();
  beforeAll(() => {
    for (const n of [1, 5, 25, 100]) {
      const r = pspConverter.convert(copies(n), {});
      results.set(n, r);
      sizes.set(n, yamlOf(r).length);
    }
  }, 300_000);

  it.each([1, 5, 100])("%i copies of the restricted PSP: valid VAP + MAP, no gaps", (n) => {
    const r = results.get(n)!;
    expect(r.gaps).toEqual([]);
    expect(r.manifests.map((m) => (m as Json)["kind"])).toEqual(["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"]);
    expectValid(r);
  });

  it("output size grows linearly (measured: about 4× from 25 to 100 PSPs)", () => {
    const s = (n: number): number => sizes.get(n)!;
    expect(s(100)).toBeLessThan(30 * s(5));
    expect(s(100) / s(25)).toBeLessThan(5);
    expect(s(25) / s(5)).toBeLessThan(6);
    // and it does grow: the per-PSP variables are there
    expect(s(100)).toBeGreaterThan(2 * s(25));
  });

  it("a PSP with 5,000 allowedHostPaths: the oversized objects are gaps, nothing refused is emitted", () => {
    const hp: PodSecurityPolicy = {
      ...restricted,
      metadata: { ...restricted.metadata, name: "hostpaths" },
      spec: { ...restricted.spec, volumes: [...(restricted.spec.volumes ?? []), "hostPath"], allowedHostPaths: Array.from({ length: 5000 }, (_, i) => ({ pathPrefix: `/data/dir-${i}`, readOnly: i % 2 === 0 })) },
    };
    const r = pspConverter.convert([hp], {});
    expect(r.gaps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: "output.too-large", effect: "weaker", rule: "psp-hostpaths" }),
        expect.objectContaining({ id: "output.too-large", effect: "stricter", rule: "psp-hostpaths-defaults" }),
      ]),
    );
    expectValid(r);
  });
});

describe("--target-version", () => {
  const dirs = tempDirs();
  afterAll(() => dirs.removeAll());
  const rows: { version: string; refused?: RegExp; vap?: string; gap?: string; exact?: boolean }[] = [
    { version: "1.25", refused: /ValidatingAdmissionPolicy does not exist before 1\.26/ },
    { version: "1.20", refused: /does not exist before 1\.26/ },
    { version: "1.99", refused: /newer than the newest Kubernetes version migrate knows \(1\.36\)/ },
    { version: "1.37", refused: /newest .* \(1\.36\)/ },
    { version: "2.0", refused: /must look like 1\.36/ },
    // 1.26: v1alpha1 has neither variables nor matchConditions, which the PSP VAP needs: no VAP, named gaps
    { version: "1.26", gap: "output.vap-v1alpha1" },
    { version: "1.28", vap: "admissionregistration.k8s.io/v1beta1", gap: "output.vap-v1beta1" },
    { version: "1.29", vap: "admissionregistration.k8s.io/v1beta1", gap: "output.vap-v1beta1" },
    { version: "1.30", vap: "admissionregistration.k8s.io/v1" },
    // below 1.33 the PSP defaults (MAP) are a gap of their own; 1.36 converts exactly
    { version: "v1.36", vap: "admissionregistration.k8s.io/v1", exact: true },
  ];
  it.each(rows)("$version", async ({ version, refused, vap: apiVersion, gap, exact }) => {
    if (refused) {
      expect(() => convertOptions({ targetVersion: version }, "psp")).toThrow(refused);
      const run = await runMigrate(["psp", "fixtures/psp/restricted.yaml", "--target-version", version]);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(refused);
      expect(run.out).toBe("");
      return;
    }
    const out = dirs.make("migrate-target");
    const run = await runMigrate(["psp", "fixtures/psp/restricted.yaml", "--target-version", version, "-o", "json", "--out", out]);
    const file = run.err.match(/wrote (\S+)/)?.[1];
    expect(file && path.dirname(file)).toBe(out);
    const report = JSON.parse(readFileSync(file!, "utf8")) as { results: { manifests: Json[]; gaps: { id?: string }[] }[] };
    const { manifests, gaps } = report.results[0]!;
    const vaps = manifests.filter((m) => m["kind"] === "ValidatingAdmissionPolicy" || m["kind"] === "ValidatingAdmissionPolicyBinding");
    if (apiVersion) expect(vaps.map((m) => m["apiVersion"])).toEqual([apiVersion, apiVersion]);
    else expect(vaps).toEqual([]);
    if (gap) expect(gaps.map((g) => g.id)).toContain(gap);
    if (exact) expect(gaps).toEqual([]);
    expect(run.code).toBe(gaps.length ? 3 : 0);
    expect(validateOutput(manifests, { targetVersion: version.replace(/^v/, "") })).toEqual([]);
  });

  it("the repo command refuses the same versions", async () => {
    const dir = dirs.make("migrate-target-repo");
    writeFileSync(path.join(dir, "psp.yaml"), readFileSync("fixtures/psp/restricted.yaml"));
    const run = await runMigrate(["repo", dir, "--out", path.join(dir, "out"), "--target-version", "1.25"]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/does not exist before 1\.26/);
  });
});
