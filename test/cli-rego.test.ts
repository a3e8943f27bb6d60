// `migrate rego FILE.rego --entrypoint … --input admission|object` as scripts see it: the VAP and binding, the
// JSON report, `--fixtures` replay through the Rego engine and the VAP (both bundled examples agree on every
// fixture), gaps with exit 3, and bad input with exit 2 and file:line.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { tempDirs } from "./support/cli-run.js";

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "migrate", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const ADMISSION = ["fixtures/rego/admission/policy.rego", "--entrypoint", "data.kubernetes.admission.deny"];
const CONFTEST = ["fixtures/rego/conftest", "--entrypoint", "data.main.deny", "--input", "object"];

// every folder module() makes is removed afterwards: a test run leaves nothing in the system temp dir
const temp = tempDirs();
afterAll(() => temp.removeAll());

function module(text: string): string {
  const dir = temp.make("migrate-rego");
  const file = path.join(dir, "policy.rego");
  writeFileSync(file, text);
  return file;
}

describe("migrate rego (conversion)", () => {
  it("converts an admission module to a VAP and a binding, one validation per deny body", async () => {
    const r = await run("rego", ...ADMISSION);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.out).map((d) => d.toJS() as { kind: string; spec: { validations?: { expression: string; message: string }[]; validationActions?: string[] } });
    expect(docs.map((d) => d.kind)).toEqual(["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);
    expect(docs[0]!.spec.validations).toHaveLength(2);
    expect(docs[0]!.spec.validations![1]!.message).toBe("pods must set securityContext.runAsNonRoot");
    expect(docs[1]!.spec.validationActions).toEqual(["Deny"]);
  });

  it.each([
    ["admission", [...ADMISSION, "--fixtures", "fixtures/rego/admission/pods"]],
    ["object (conftest)", [...CONFTEST, "--fixtures", "fixtures/rego/conftest/deployments"]],
  ])("replays the %s fixtures through the Rego engine and the VAP: every one agrees", async (_shape, args) => {
    const r = await run("rego", ...args, "-o", "json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { conversion: { status: string }; summary: { cases: number; passed: number }; cases: { source: string; vap: string }[] };
    expect(report.conversion.status).toBe("converted");
    expect(report.summary.cases).toBe(3);
    expect(report.summary.passed).toBe(3);
    expect(report.cases.map((c) => c.source).sort()).toEqual(["admit", "deny", "deny"]);
  });

  it("names the failing containers in the messageExpression", async () => {
    const r = await run("rego", ...ADMISSION, "--fixtures", "fixtures/rego/admission/pods", "-o", "json");
    const report = JSON.parse(r.out) as { cases: { resource: string; messages: string[] }[] };
    expect(report.cases.find((c) => c.resource === "shop/latest")!.messages).toContain("container … uses the latest tag: sidecar");
  });

  it("writes the JSON report contract with the entrypoint and input shape", async () => {
    const r = await run("rego", ...CONFTEST, "-o", "json");
    expect(r.code).toBe(0);
    const report = (JSON.parse(r.out) as { results: { status: string; gaps: unknown[]; manifests: unknown[]; entrypoint: string; input: string }[] }).results[0]!;
    expect(report).toMatchObject({ status: "converted", gaps: [], entrypoint: "data.main.deny", input: "object" });
    expect(report.manifests).toHaveLength(2);
  });

  it("a warn entrypoint binds with Warn", async () => {
    const file = module('package k8s\nimport rego.v1\nwarn contains "no owner label" if not input.request.object.metadata.labels.owner\n');
    const r = await run("rego", file, "--entrypoint", "data.k8s.warn");
    expect(r.code).toBe(0);
    expect(r.out).toContain("- Warn");
  });

  it("exit 3 with a named gap for a body it cannot express (data.inventory)", async () => {
    const file = module('package k8s\nimport rego.v1\ndeny contains "taken" if {\n  some other in data.inventory.namespace[_]\n  other.metadata.name == input.request.object.metadata.name\n}\n');
    const r = await run("rego", file, "--entrypoint", "data.k8s.deny", "-o", "json");
    expect(r.code).toBe(3);
    const report = (JSON.parse(r.out) as { results: { status: string; gaps: { id: string; line: number; reason: string }[] }[] }).results[0]!;
    expect(report.status).toBe("unsupported");
    expect(report.gaps[0]).toMatchObject({ id: "rego.rego", line: 4 });
    expect(report.gaps[0]!.reason).toContain("data.inventory");
  });

  it("a fixture the Rego engine cannot evaluate (a builtin it lacks) is a failing case, not run: exit 1", async () => {
    const file = module('package k8s\nimport rego.v1\ndeny contains "lookup failed" if http.send({"method": "GET", "url": "http://127.0.0.1:1/"}).status_code != 200\n');
    const args = [file, "--entrypoint", "data.k8s.deny", "--fixtures", "fixtures/rego/admission/pods"];
    const r = await run("rego", ...args, "-o", "json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { conversion: { status: string }; summary: object; cases: { expected: string | null; source: string; pass: boolean; reason: string }[] };
    expect(Object.keys(report)).toEqual(["conversion", "summary", "cases"]);
    expect(report.summary).toEqual({ cases: 3, passed: 0, failed: 3, errors: 3 });
    for (const c of report.cases) {
      expect([c.expected, c.source, c.pass]).toEqual([null, "error", false]);
      expect(c.reason).toBe(`not run: the Rego engine could not evaluate data.k8s.deny: ${file}:3: rego_type_error: undefined function http.send`);
    }
    const text = await run("rego", ...args);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/^Total: 3, Pass: 0, Fail: 3, Errors: 3$/m);
    // migrate verify of a .rego source replays the same way
    expect((await run("verify", ...args)).code).toBe(1);
  });

  it("only the fixtures the Rego engine cannot evaluate are errors; the others are compared as usual", async () => {
    // the builtin is reached only for the pod named latest (fixtures/rego/admission/pods: good, latest, root); the VAP
    // carries the other rule (root), which both engines agree on
    const file = module(
      'package k8s\nimport rego.v1\ndeny contains "root" if input.request.object.metadata.name == "root"\ndeny contains "lookup failed" if {\n  input.request.object.metadata.name == "latest"\n  http.send({"method": "GET", "url": "http://127.0.0.1:1/"}).status_code != 200\n}\n',
    );
    const r = await run("rego", file, "--entrypoint", "data.k8s.deny", "--fixtures", "fixtures/rego/admission/pods", "-o", "json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { summary: object; cases: { resource: string; source: string; pass: boolean }[] };
    expect(report.summary).toEqual({ cases: 3, passed: 2, failed: 1, errors: 1 });
    expect(report.cases.map((c) => [c.resource, c.source, c.pass])).toEqual([
      ["shop/good", "admit", true],
      ["shop/latest", "error", false],
      ["shop/root", "deny", true],
    ]);
  });

  it("a module that does not compile is still exit 2 with --fixtures", async () => {
    const file = module('package k8s\nimport rego.v1\ndeny contains "x" if {\n  x == 1\n}\n');
    const r = await run("rego", file, "--entrypoint", "data.k8s.deny", "--fixtures", "fixtures/rego/admission/pods");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error: ${file}:4: rego_unsafe_var_error: var x is unsafe`);
    expect(r.out).toBe("");
  });

  it.each([
    ["a parse error, with file:line:col", ["package k8s\ndeny[msg] {\n  msg := \n}\n", "--entrypoint", "data.k8s.deny", "--v0"], /policy\.rego:\d+:\d+: rego_parse_error/],
    ["a missing --entrypoint", ["package k8s\n"], /--entrypoint is required/],
    ["a malformed --entrypoint", ["package k8s\n", "--entrypoint", "k8s.deny"], /--entrypoint must be a rule path/],
    ["a bad --input", ["package k8s\n", "--entrypoint", "data.k8s.deny", "--input", "review"], /--input must be admission or object/],
  ])("exit 2 on %s", async (_what, [text, ...flags], message) => {
    const r = await run("rego", module(text!), ...flags);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
  });
});

describe("migrate verify with ConstraintTemplates + Constraints", () => {
  it.each(["inline", "constraint"])("replays the bundled cases through Gatekeeper's evaluation and the VAP (--params %s)", async (mode) => {
    const r = await run("verify", "fixtures/gatekeeper/template.yaml", "fixtures/gatekeeper/constraint.yaml", "--fixtures", "fixtures/gatekeeper/cases", "--params", mode, "-o", "json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { summary: { cases: number; passed: number }; cases: { source: string; vap: string }[] };
    expect(report.summary).toMatchObject({ cases: 6, passed: 6 });
    expect(report.cases.filter((c) => c.source === "deny")).toHaveLength(4);
    expect(report.cases.every((c) => c.source === c.vap)).toBe(true);
  });

  it("exit 2 on a bad --params", async () => {
    const r = await run("verify", "fixtures/gatekeeper/template.yaml", "fixtures/gatekeeper/constraint.yaml", "--fixtures", "fixtures/gatekeeper/cases", "--params", "both");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--params must be inline or constraint");
  });
});

describe("migrate verify with plain Rego modules", () => {
  it("replays the fixtures through the Rego engine and the VAP, as migrate rego --fixtures", async () => {
    const r = await run("verify", "fixtures/rego/conftest/policy.rego", "--entrypoint", "data.main.deny", "--input", "object", "--fixtures", "fixtures/rego/conftest/deployments", "-o", "json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { summary: { cases: number; passed: number }; cases: { source: string; vap: string }[] };
    expect(report.summary).toMatchObject({ cases: 3, passed: 3 });
    expect(report.cases.every((c) => c.source === c.vap)).toBe(true);
  });

  it("text output and exit 2 without --entrypoint", async () => {
    const text = await run("verify", "fixtures/rego/admission/policy.rego", "--entrypoint", "data.kubernetes.admission.deny", "--fixtures", "fixtures/rego/admission/pods");
    expect(text.code).toBe(0);
    expect(text.out).toContain("Total: 3, Pass: 3, Fail: 0");
    const missing = await run("verify", "fixtures/rego/admission/policy.rego", "--fixtures", "fixtures/rego/admission/pods");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--entrypoint is required");
  });
});
