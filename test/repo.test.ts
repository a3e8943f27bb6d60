// Repo mode's parts on small inputs: .gitignore patterns, the walk (ignores, links out of the tree, loops), file
// classification, the unit plan (constraints joined to their template, suites to their source), shards that
// partition the work, the report merge, and runRepo on a tree of bad files (each reported, the rest converted).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { classifyText, type ClassifiedFile } from "../src/repo/classify.js";
import { ignoreVerdict, parseIgnoreFile } from "../src/repo/gitignore.js";
import { inShard, parseShard, planUnits } from "../src/repo/plan.js";
import { buildReport, mergeReports, repoExitCode } from "../src/repo/report.js";
import { DEFAULT_REPO_OPTIONS, runRepo } from "../src/repo/run.js";
import { runUnit } from "../src/repo/unit.js";
import { walkTree } from "../src/repo/walk.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temporary tree from `relative path → content`. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "migrate-repo-"));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe("gitignore patterns", () => {
  const cases: [pattern: string, path: string, isDir: boolean, expected: boolean | undefined][] = [
    ["*.log", "a.log", false, true],
    ["*.log", "deep/dir/a.log", false, true],
    ["*.log", "a.logx", false, undefined],
    ["/build", "build", true, true],
    ["/build", "src/build", true, undefined],
    ["build/", "build", false, undefined],
    ["build/", "src/build", true, true],
    ["doc/*.txt", "doc/a.txt", false, true],
    ["doc/*.txt", "doc/sub/a.txt", false, undefined],
    ["**/tmp", "a/b/tmp", true, true],
    ["a/**/b", "a/x/y/b", false, true],
    ["a/**/b", "a/b", false, true],
    ["logs/**", "logs/x/y", false, true],
    ["?.yaml", "a.yaml", false, true],
    ["?.yaml", "ab.yaml", false, undefined],
    ["[ab].yaml", "b.yaml", false, true],
    ["[!ab].yaml", "b.yaml", false, undefined],
    ["\\#x", "#x", false, true],
    ["# comment", "# comment", false, undefined],
    ["a.txt   ", "a.txt", false, true],
  ];
  it.each(cases)("%j on %j (dir %s) → %s", (pattern, p, isDir, expected) => {
    expect(ignoreVerdict(parseIgnoreFile(pattern), p, isDir)).toBe(expected);
  });

  it("the last matching rule wins; ! re-includes", () => {
    const rules = parseIgnoreFile("*.yaml\n!keep.yaml\n");
    expect(ignoreVerdict(rules, "drop.yaml", false)).toBe(true);
    expect(ignoreVerdict(rules, "keep.yaml", false)).toBe(false);
  });
});

describe("walkTree", () => {
  it("honours .gitignore at every level, never enters .git, keeps links inside the tree", () => {
    const outside = tree({ "secret.yaml": "kind: PodSecurityPolicy\n" });
    const root = tree({
      ".gitignore": "generated/\n*.tmp\n",
      "a.yaml": "x: 1\n",
      "b.tmp": "x\n",
      "generated/out.yaml": "x\n",
      "sub/.gitignore": "!keep.tmp\nlocal.yaml\n",
      "sub/keep.tmp": "x\n",
      "sub/local.yaml": "x\n",
      "sub/c.yaml": "x\n",
      ".git/config": "x\n",
      ".kyverno-test/kyverno-test.yaml": "x\n",
    });
    symlinkSync(path.join(outside, "secret.yaml"), path.join(root, "escape.yaml"));
    symlinkSync(path.join(root, "a.yaml"), path.join(root, "alias.yaml"));
    symlinkSync(path.join(root, "missing.yaml"), path.join(root, "broken.yaml"));
    symlinkSync(root, path.join(root, "sub", "loop"));
    const w = walkTree(root);
    expect(w.files).toEqual([".gitignore", ".kyverno-test/kyverno-test.yaml", "a.yaml", "alias.yaml", "sub/.gitignore", "sub/c.yaml", "sub/keep.tmp"]);
    expect(w.skipped).toEqual([
      { path: "broken.yaml", reason: "broken symbolic link" },
      { path: "escape.yaml", reason: expect.stringMatching(/^symbolic link out of the tree/) },
      { path: "sub/loop", reason: "symbolic link loop" },
    ]);
  });

  it("leaves out excluded directories (the output directory inside the tree)", () => {
    const root = tree({ "p.yaml": "x\n", "out/p.yaml": "x\n" });
    expect(walkTree(root, new Set(["out"])).files).toEqual(["p.yaml"]);
  });
});

const PSP = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: p\nspec:\n  privileged: false\n  seLinux: {rule: RunAsAny}\n  runAsUser: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n";
const TEMPLATE = "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata:\n  name: k8sfoo\nspec:\n  crd:\n    spec:\n      names:\n        kind: K8sFoo\n  targets:\n    - target: admission.k8s.gatekeeper.sh\n      rego: |\n        package k8sfoo\n        violation[{\"msg\": \"no\"}] { input.review.object.spec.hostNetwork }\n";
const CONSTRAINT = "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sFoo\nmetadata:\n  name: foo\nspec:\n  match:\n    kinds: [{apiGroups: [\"\"], kinds: [Pod]}]\n";

describe("classifyText", () => {
  const none = (): boolean => false;
  const cases: [path: string, text: string, role: Partial<ClassifiedFile>][] = [
    ["psp.yaml", PSP, { role: { role: "policy", converter: "psp" } }],
    ["t.yaml", TEMPLATE, { role: { role: "policy", converter: "gatekeeper" }, constraintKinds: ["K8sFoo"] }],
    ["c.yaml", CONSTRAINT, { role: { role: "constraint", kind: "K8sFoo" } }],
    ["kyverno.yaml", "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {message: m, pattern: {spec: {hostPID: \"!true\"}}}\n", { role: { role: "policy", converter: "kyverno" } }],
    ["kyverno-vars.yaml", "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      message: \"{{ request.object.metadata.name }}\"\n      deny: {}\n", { role: { role: "policy", converter: "kyverno" } }],
    ["t/.kyverno-test/kyverno-test.yaml", "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [../p.yaml]\nresources: [r.yaml]\nresults: []\n", { role: { role: "suite", suite: "kyverno" }, refs: ["t/p.yaml", "t/.kyverno-test/r.yaml"], sourceRefs: ["t/p.yaml"] }],
    ["g/suite.yaml", "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: a\n  template: template.yaml\n  constraint: samples/c.yaml\n  cases:\n  - name: x\n    object: samples/x.yaml\n", { role: { role: "suite", suite: "gator" }, refs: ["g/template.yaml", "g/samples/c.yaml", "g/samples/x.yaml"], sourceRefs: ["g/template.yaml"] }],
    ["k/kaptest.yaml", "policies: [../v.yaml]\nresources: [r.yaml]\nvapTestSuites: []\n", { role: { role: "suite", suite: "kaptest" }, sourceRefs: ["v.yaml"] }],
    ["vap.yaml", "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: v}\n", { role: { role: "vap" } }],
    ["pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x, imagePullPolicy: Always}]\n", { role: { role: "other" } }],
    ["README.md", "# PodSecurityPolicy\n", { role: { role: "other" } }],
    ["bad.yaml", "kind: PodSecurityPolicy\n  bad: [\n", { role: { role: "error", message: expect.any(String) as string, line: expect.any(Number) as number } }],
    ["helm.yaml", "kind: PodSecurityPolicy\nmetadata:\n  name: {{ .Values.name }}\n  {{- if .Values.x }}\n", { role: { role: "not-rendered", reason: expect.stringContaining("templated YAML") as string } }],
    ["overlay/kustomization.yaml", "resources: [psp.yaml]\n", { role: { role: "not-rendered", reason: expect.stringContaining("kustomize") as string } }],
    ["chart/Chart.yaml", "name: x\n", { role: { role: "not-rendered", reason: expect.stringContaining("Helm chart") as string } }],
    ["deny.rego", "package k8s.admission\ndeny[msg] { input.request.object.spec.hostPID; msg := \"no\" }\n", { role: { role: "rego", entrypoint: "data.k8s.admission.deny", input: "admission" } }],
    ["main.rego", "package main\ndeny contains msg if { input.spec.hostPID; msg := \"no\" }\n", { role: { role: "rego", entrypoint: "data.main.deny", input: "object" } }],
    ["lib.rego", "package lib\nis_pod { input.kind == \"Pod\" }\n", { role: { role: "rego", note: expect.stringContaining("library") as string } }],
    ["gk.rego", "package k\nviolation[{\"msg\": m}] { input.review.object; m := \"x\" }\n", { role: { role: "rego", note: expect.stringContaining("Gatekeeper") as string } }],
    ["x_test.rego", "package main\ntest_x { true }\n", { role: { role: "rego", note: expect.stringContaining("test") as string } }],
  ];
  it.each(cases)("%s", (p, text, expected) => {
    expect(classifyText(p, text, none)).toMatchObject({ path: p, ...expected });
  });

  it("a file under templates/ of a chart is a Helm template", () => {
    expect(classifyText("chart/templates/psp.yaml", PSP, (dir) => dir === "chart").role).toEqual({ role: "not-rendered", reason: expect.stringContaining("Helm template") });
  });
});

describe("planUnits and shards", () => {
  const files: ClassifiedFile[] = [
    { path: "gk/template.yaml", role: { role: "policy", converter: "gatekeeper" }, constraintKinds: ["K8sFoo"] },
    { path: "elsewhere/c2.yaml", role: { role: "constraint", kind: "K8sFoo" } },
    { path: "gk/samples/c.yaml", role: { role: "constraint", kind: "K8sFoo" } },
    { path: "orphan.yaml", role: { role: "constraint", kind: "K8sBar" } },
    { path: "gk/suite.yaml", role: { role: "suite", suite: "gator" }, refs: ["gk/template.yaml", "gk/samples/c.yaml"], sourceRefs: ["gk/template.yaml"] },
    { path: "k/kaptest.yaml", role: { role: "suite", suite: "kaptest" }, refs: ["v.yaml"], sourceRefs: ["v.yaml"] },
    { path: "psp/a.yaml", role: { role: "policy", converter: "psp" } },
    { path: "broken.yaml", role: { role: "error", message: "bad", line: 3 } },
    { path: "v.yaml", role: { role: "vap" } },
  ];
  const plan = planUnits(files);

  it("joins constraints to their template wherever they are, suites to the source they test", () => {
    expect(plan.units).toEqual([
      { id: "gk/template.yaml", converter: "gatekeeper", files: ["gk/template.yaml", "elsewhere/c2.yaml", "gk/samples/c.yaml"], suites: ["gk/suite.yaml"] },
      { id: "psp/a.yaml", converter: "psp", files: ["psp/a.yaml"], suites: [] },
    ]);
    expect(plan.suites).toEqual([{ id: "k/kaptest.yaml", suite: "kaptest" }]);
    expect(plan.skipped.map((s) => s.path)).toEqual(["orphan.yaml", "v.yaml"]);
    expect(plan.errors).toEqual([{ path: "broken.yaml", line: 3, message: "bad" }]);
    expect(plan.inputs.get("gk/template.yaml")).toEqual(["elsewhere/c2.yaml", "gk/samples/c.yaml", "gk/suite.yaml", "gk/template.yaml"]);
  });

  it("shards partition any set of ids, and parseShard refuses nonsense", () => {
    const ids = Array.from({ length: 200 }, (_, i) => `dir${i % 7}/policy-${i}.yaml`);
    for (const count of [1, 2, 3, 5]) {
      const owners = ids.map((id) => Array.from({ length: count }, (_, i) => i + 1).filter((index) => inShard(id, { index, count })));
      expect(owners.every((o) => o.length === 1)).toBe(true);
      if (count > 1) expect(new Set(owners.map((o) => o[0])).size).toBe(count);
    }
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/2", "3/2", "1/0", "a/b", "1"]) expect(() => parseShard(bad)).toThrow(/--shard must be i\/n/);
  });

  it("shard reports merge into the single run's report; a missing shard is refused", () => {
    const opts = DEFAULT_REPO_OPTIONS;
    const entry = (p: string) => ({ path: p, converter: "psp", status: "converted" as const, names: [p], outputs: [p], gaps: [], equivalence: "untested" as const, replay: { suites: [], cases: 0, agreeing: 0, failed: 0, maxCaseCost: 0, maxExpressionCost: 0, failures: [] } });
    const whole = buildReport(plan, [entry("a"), entry("b"), entry("c")], [], opts);
    const s1 = buildReport(plan, [entry("c"), entry("a")], [], opts, { index: 1, count: 2 });
    const s2 = buildReport(plan, [entry("b")], [], opts, { index: 2, count: 2 });
    expect(mergeReports([s2, s1])).toEqual(whole);
    expect(() => mergeReports([s1])).toThrow("missing shard report(s): 2/2");
    expect(repoExitCode(whole)).toBe(2); // broken.yaml could not be read
  });
});

describe("runRepo on a tree with bad files", () => {
  it("reports each bad file with its path, converts the rest, writes nothing for what failed", async () => {
    const root = tree({
      "good/psp.yaml": PSP,
      "bad/invalid.yaml": "kind: PodSecurityPolicy\nspec: [\n",
      "bad/binary.yaml": "kind: PodSecurityPolicy\0\0\0",
      "bad/bomb.yaml": `kind: PodSecurityPolicy\na: &a ["x","x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 120 }, (_, i) => `k${i}: *a`).join("\n")}\n`,
      "bad/dup.yaml": `${PSP}---\n${PSP}`,
      "gk/template.yaml": TEMPLATE,
      "gk/constraint.yaml": CONSTRAINT,
    });
    writeFileSync(path.join(root, "bad/huge.yaml"), Buffer.alloc(17 * 1024 * 1024, 0x61));
    const run = await runRepo(root, { ...DEFAULT_REPO_OPTIONS, workers: 1 });
    const errors = Object.fromEntries(run.report.errors.map((e) => [e.path, e.message]));
    expect(Object.keys(errors)).toEqual(["bad/binary.yaml", "bad/bomb.yaml", "bad/huge.yaml", "bad/invalid.yaml"]);
    expect(errors["bad/binary.yaml"]).toBe("binary file, not YAML");
    expect(errors["bad/huge.yaml"]).toMatch(/over the \d+-byte limit/);
    expect(errors["bad/bomb.yaml"]).toMatch(/alias/i);
    const byPath = Object.fromEntries(run.report.sources.map((s) => [s.path, s]));
    expect(byPath["good/psp.yaml"]?.status).toBe("converted");
    expect(byPath["gk/template.yaml"]?.status).toBe("converted");
    expect(byPath["bad/dup.yaml"]).toMatchObject({ status: "error", error: { file: "bad/dup.yaml", message: expect.stringContaining("twice") } });
    expect(run.outputs.map((o) => o.path)).toEqual(["gk/template.yaml", "good/psp.yaml"]);
    expect(JSON.stringify(run.report)).not.toContain(root);
  });

  it("a source that disappears before its unit runs is an error entry, not a crash", () => {
    const root = tree({ "gone.yaml": PSP });
    rmSync(path.join(root, "gone.yaml"));
    const out = runUnit(root, { id: "gone.yaml", converter: "psp", files: ["gone.yaml"], suites: [] }, DEFAULT_REPO_OPTIONS);
    expect(out.outputs).toEqual([]);
    expect(out.entry).toMatchObject({ status: "error", error: { file: "gone.yaml", line: 1, message: "no such file or directory" } });
  });

  it("a template with no constraint in the tree converts with its constraint as paramKind", async () => {
    const root = tree({ "t.yaml": TEMPLATE });
    const run = await runRepo(root, { ...DEFAULT_REPO_OPTIONS, workers: 1 });
    expect(run.report.sources[0]?.status).toBe("converted");
    expect(run.outputs[0]?.text).toContain("paramKind:");
  });

  it("a bad root is an input error", async () => {
    await expect(runRepo(path.join(tmpdir(), "no-such-migrate-dir"), DEFAULT_REPO_OPTIONS)).rejects.toThrow("no such directory");
  });
});
