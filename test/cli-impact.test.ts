// `migrate impact` as scripts see it: exit codes (0 agree, 1 differ, 2 bad input, 3 agree with gaps), the Markdown
// and JSON outputs on the bundled dump, progress and notes on stderr, and one-line `error: file:line: …` for bad
// input. Runs main() in-process; scratch inputs live in a temporary folder removed afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImpactReport } from "../src/impact/types.js";
import { runMigrate } from "./support/cli-run.js";
import { validateJson } from "./support/schema.js";

const DUMP = "fixtures/impact/dump.yaml";
const POLICIES = ["fixtures/psp/restricted.yaml", "fixtures/kyverno/disallow-host-namespaces.yaml", "fixtures/gatekeeper/template.yaml", "fixtures/gatekeeper/constraint.yaml"];
const P = "fixtures/impact/policies";

let scratch = "";
const SCRATCH: Record<string, string> = {
  "bad.yaml": "apiVersion: v1\nkind: List\nitems: [1,\n  b: c\n",
  "empty-list.yaml": "apiVersion: v1\nkind: List\nitems: []\n",
  "nameless.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {}\n",
  "policy.rego": "package p\n\ndeny[msg] { msg := \"no\" }\n",
  "rego-dir/policy.rego": "package p\n\ndeny[msg] { msg := \"no\" }\n",
};

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "migrate-impact-"));
  for (const [name, text] of Object.entries(SCRATCH)) {
    mkdirSync(path.dirname(path.join(scratch, name)), { recursive: true });
    writeFileSync(path.join(scratch, name), text);
  }
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const run = (...args: string[]) => runMigrate(["impact", ...args], scratch);

describe("migrate impact", () => {
  it("prints a Markdown report of every policy on the bundled dump, progress on stderr; exit 0 when the engines agree", async () => {
    const r = await run(DUMP, "--policies", ...POLICIES);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^## Impact of the migration to ValidatingAdmissionPolicy\n/);
    expect(r.out).toContain("| `restricted` | psp | converted | 0 | 4 | 4 | 0 |");
    expect(r.out).toContain("| `k8sdenyprivileged` | gatekeeper | converted | 0 | 1 | 1 | 0 |");
    expect(r.err).toContain("replaying 8 object(s) (2 Namespace(s)) from 1 file(s) as CREATE through 3 policy unit(s)\n");
    expect(r.err).toContain("[1/3] psp restricted\n[2/3] kyverno disallow-host-namespaces\n[3/3] gatekeeper k8sdenyprivileged\n");
    expect(r.err).toContain("3 policies: 3 agree, 0 differ (0 object difference(s)), 0 converted with gaps\n");
  });

  it("-o json prints the documented report", async () => {
    const r = await run(DUMP, "--policies", ...POLICIES, "-o", "json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as ImpactReport;
    expect(validateJson("docs/schemas/impact-report.schema.json", j)).toEqual([]);
    expect(j.policies.map((p) => [p.converter, p.name, p.rejectedBySource.length, p.rejectedByVap.length, p.differences.length])).toEqual([
      ["psp", "restricted", 4, 4, 0],
      ["kyverno", "disallow-host-namespaces", 2, 2, 0],
      ["gatekeeper", "k8sdenyprivileged", 1, 1, 0],
    ]);
  });

  it("skips documents of other kinds under --policies with a note (a directory holding a kyverno test)", async () => {
    const r = await run(DUMP, "--policies", "fixtures/kyverno", "-o", "json");
    expect(r.code).toBe(0);
    expect(r.err).toContain("note: fixtures/kyverno/test/kyverno-test.yaml:1: skipping kind Test: not a policy of a known source\n");
    expect((JSON.parse(r.out) as ImpactReport).policies.map((p) => p.name)).toEqual(["disallow-host-namespaces"]);
  });

  it("skips items of the dump without metadata.name with a note", async () => {
    const r = await run(DUMP, "$T/nameless.yaml", "--policies", ...POLICIES, "-o", "json");
    expect(r.code).toBe(0);
    expect(r.err).toContain(`note: ${path.join(scratch, "nameless.yaml")}:1: skipping Pod without metadata.name\n`);
    expect((JSON.parse(r.out) as ImpactReport).summary.objects).toBe(8);
  });

  it.each<[number, string, string[], RegExp]>([
    [3, "the engines agree, a policy has gaps", [`${P}/require-team-label.yaml`], /1 converted with gaps/],
    [1, "the engines differ on an object", [`${P}/limit-pods-per-namespace.yaml`], /0 agree, 1 differ \(6 object difference\(s\)\)/],
    [1, "differences win over gaps", [`${P}/require-team-label.yaml`, `${P}/limit-pods-per-namespace.yaml`], /1 agree, 1 differ/],
    [0, "a namespaceSelector fed by the dump's Namespaces", ["fixtures/gatekeeper/template.yaml", `${P}/deny-privileged-in-dev.yaml`], /1 agree, 0 differ/],
  ])("exit %i: %s", async (code, _, policies, summary) => {
    const r = await run(DUMP, "--policies", ...policies);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(summary);
  });

  it("--operation update replays each object as an update of itself", async () => {
    const r = await run(DUMP, "--policies", ...POLICIES, "--operation", "update", "-o", "json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as ImpactReport;
    expect(j.operation).toBe("UPDATE");
    expect(j.policies.map((p) => p.rejectedBySource.length)).toEqual([0, 0, 1]);
  });

  it("prints the help with examples and exit codes", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("--policies <paths...>");
    expect(r.out).toContain("migrate impact dump.yaml --policies policies/");
    expect(r.out).toMatch(/Exit codes: 0 .* 1 .* 2 bad input, 3 /s);
  });

  // bad input: one line `error: …` (file:line where there is one), exit 2, nothing on stdout, never a stack trace
  it.each<[string, string[], RegExp]>([
    ["a missing dump", ["$T/nope.yaml", "--policies", ...POLICIES], /^error: .*nope\.yaml: no such file or directory$/],
    ["invalid YAML in the dump", ["$T/bad.yaml", "--policies", ...POLICIES], /^error: .*bad\.yaml:\d+: invalid YAML: /],
    ["invalid YAML in a policy file", [DUMP, "--policies", "$T/bad.yaml"], /^error: .*bad\.yaml:\d+: invalid YAML: /],
    ["a dump without objects", ["$T/empty-list.yaml", "--policies", ...POLICIES], /^error: .*empty-list\.yaml: no objects found in the dump$/],
    ["no policies among the files", [DUMP, "--policies", DUMP], /^error: fixtures\/impact\/dump\.yaml: no policies found \(PodSecurityPolicies, Kyverno policies, ConstraintTemplates with their Constraints\)$/],
    ["a missing policy file", [DUMP, "--policies", "$T/nope.yaml"], /^error: .*nope\.yaml: no such file or directory$/],
    ["a constraint without its template", [DUMP, "--policies", "fixtures/gatekeeper/constraint.yaml"], /^error: fixtures\/gatekeeper\/constraint\.yaml:1: Constraint K8sDenyPrivileged\/deny-privileged: its ConstraintTemplate/],
    ["a plain Rego module", [DUMP, "--policies", "$T/policy.rego"], /^error: .*policy\.rego: plain Rego modules are not supported by migrate impact/],
    ["-o yaml", [DUMP, "--policies", ...POLICIES, "-o", "yaml"], /^error: -o must be markdown or json, not "yaml"$/],
    ["--operation delete", [DUMP, "--policies", ...POLICIES, "--operation", "delete"], /^error: <flags>: --operation must be update or create, not "delete"$/],
    ["--target-version latest", [DUMP, "--policies", ...POLICIES, "--target-version", "latest"], /^error: <flags>: --target-version must look like 1\.36/],
    ["no --policies", [DUMP], /^error: required option '--policies <paths\.\.\.>' not specified$/],
  ])("exit 2: %s", async (_, args, re) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.split("\n").filter((l) => l.startsWith("error:"))).toHaveLength(1);
    expect(r.err.split("\n").find((l) => l.startsWith("error:"))).toMatch(re);
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  it("skips .rego files found in a --policies directory, with a note", async () => {
    const r = await run(DUMP, "--policies", "$T/rego-dir", ...POLICIES);
    expect(r.code).toBe(0);
    expect(r.err).toContain("note: skipping 1 .rego file(s) under --policies (plain Rego modules are not supported by migrate impact)");
  });
});
