// `migrate test` and `migrate verify` never pass having checked nothing: a typo in `expect`, an unknown manifest or
// case key, an empty case set or an empty fixtures folder is bad input (exit 2, one line naming the file); and
// `migrate test DIR` on kaptest's own layout (`<policy>.yaml` beside `<policy>.test/kaptest.yaml` + resources) runs
// the manifests only, not the policies and resources beside them.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

const root = mkdtempSync(path.join(tmpdir(), "migrate-strict-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "migrate", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const manifest = (suite: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ policies: ["../policy.yaml"], resources: ["resources.yaml"], vapTestSuites: [{ policy: "replicas", tests: [suite] }], ...extra });

/** A kaptest layout: policy.yaml + policy.test/{kaptest.json,resources.yaml}. */
function layout(name: string, kaptest: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, "policy.test"), { recursive: true });
  writeFileSync(path.join(dir, "policy.yaml"), readFileSync("fixtures/eval/replicas-policy.yaml", "utf8").replace(/name: [a-z-]+/, "name: replicas"));
  writeFileSync(path.join(dir, "policy.test", "resources.yaml"), readFileSync("fixtures/eval/deployment-7.yaml", "utf8"));
  writeFileSync(path.join(dir, "policy.test", "kaptest.json"), kaptest);
  return dir;
}

const CASE = { object: { kind: "Deployment", namespace: "prod", name: "web" } };

describe("strict kaptest manifests and non-empty case sets", () => {
  const rows: [name: string, kaptest: string, message: RegExp][] = [
    ["a typo in expect", manifest({ ...CASE, expect: "denied" }), /tests\[0\]\.expect must be one of admit, deny, error, skip, not "denied"/],
    ["an unknown manifest key", manifest({ ...CASE, expect: "deny" }, { vapTestSuite: [] }), /manifest: unknown key "vapTestSuite"/],
    ["an unknown case key", manifest({ ...CASE, expect: "deny", expected: "deny" }), /tests\[0\]: unknown key "expected"/],
    ["a MAP suite expecting deny", JSON.stringify({ policies: ["../policy.yaml"], mapTestSuites: [{ policy: "replicas", tests: [{ ...CASE, expect: "deny" }] }] }), /expect must be one of mutate, skip, error, not "deny"/],
    ["no test cases", JSON.stringify({ policies: ["../policy.yaml"], resources: ["resources.yaml"], vapTestSuites: [] }), /no test cases found/],
  ];
  it.each(rows)("%s: exit 2 with one line naming the problem", async (name, kaptest, message) => {
    const dir = layout(name.replace(/\W+/g, "-"), kaptest);
    const r = await run("test", path.join(dir, "policy.test", "kaptest.json"));
    expect(r.code).toBe(2);
    expect(r.err.split("\n").find((l) => l.startsWith("error:"))).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("migrate test DIR runs the manifests of kaptest's layout, not the policies and resources beside them", async () => {
    const dir = layout("layout", manifest({ ...CASE, expect: "deny" }));
    const r = await run("test", dir, "-o", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ summary: { cases: 1, passed: 1 } });
    expect(r.err).toBe(`running ${path.join(dir, "policy.test", "kaptest.json")}\n`);
  });

  it("a folder with no suite, and verify with no fixtures, are errors", async () => {
    const empty = path.join(root, "empty");
    mkdirSync(empty);
    const t = await run("test", empty);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/^error: .*empty: no kaptest manifest, kyverno test or gator Suite in this directory/);
    const v = await run("verify", "fixtures/psp/restricted.yaml", "--fixtures", empty);
    expect(v.code).toBe(2);
    expect(v.err).toMatch(/error: .*empty: no fixtures found/);
  });

  it("a directory of kyverno tests still runs (suites found by kind)", async () => {
    const copy = path.join(root, "kyverno");
    cpSync("fixtures/kyverno", copy, { recursive: true });
    const r = await run("test", copy, "-o", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ summary: { cases: 4, passed: 4 } });
  });

  // the Kyverno CLI reads a test with yaml.UnmarshalStrict: an unknown field is an error there too
  it.each([
    ["a misspelt top-level field", (t: string) => t.replace("results:", "result:"), /kyverno-test\.yaml:\d+: unknown field "result" in a kyverno test$/],
    ["a misspelt result field", (t: string) => t.replace(/(\n\s+)rule:/, "$1rules:"), /kyverno-test\.yaml:\d+: results\[0\]: unknown field "rules"$/],
  ] as const)("kyverno test: %s is exit 2", async (name, edit, message) => {
    const copy = path.join(root, `kyverno-${name.replace(/\W+/g, "-")}`);
    cpSync("fixtures/kyverno", copy, { recursive: true });
    const suite = path.join(copy, "test", "kyverno-test.yaml");
    writeFileSync(suite, edit(readFileSync(suite, "utf8")));
    const r = await run("test", suite);
    expect(r.code).toBe(2);
    expect(r.err.split("\n").find((l) => l.startsWith("error:"))).toMatch(message);
  });
});
