// Small findings of the hardening review, each pinned: `eval` says "mutated" only when a MutatingAdmissionPolicy
// changed the object, file names or gap texts with line breaks cannot break out of the YAML header comment, and a
// directory (a `helm template --output-dir` render) converts with the documents of other kinds skipped and noted.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { renderYaml } from "../src/convert/render.js";

const root = mkdtempSync(path.join(tmpdir(), "migrate-small-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await main(["node", "migrate", ...args], { out: (s) => void (out += s), err: () => undefined });
  return { code, out };
}

describe("eval: mutated only when the object changed", () => {
  it.each([
    ["a MAP that adds the sidecar", false, true],
    ["the same MAP on an object that already has it", true, false],
  ] as const)("%s", async (_name, alreadyMutated, says) => {
    const policies = "fixtures/map/sidecar-apply/policies.yaml";
    let request = "fixtures/map/sidecar-apply/object.yaml";
    if (alreadyMutated) {
      const first = JSON.parse((await run("eval", policies, "--request", request, "-o", "json")).out) as { mutatedObject: unknown };
      request = path.join(root, "mutated.json");
      writeFileSync(request, JSON.stringify(first.mutatedObject));
    }
    const text = (await run("eval", policies, "--request", request)).out;
    expect(text.includes("mutated by MutatingAdmissionPolicies")).toBe(says);
    const json = JSON.parse((await run("eval", policies, "--request", request, "-o", "json")).out) as Record<string, unknown>;
    expect("mutatedObject" in json).toBe(says);
  });
});

describe("the YAML header keeps hostile names on comment lines", () => {
  it("a file name and a gap reason with line breaks are escaped", () => {
    const manifest = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    const text = renderYaml(
      { manifests: [manifest], gaps: [{ rule: "r", reason: "first\nkind: Secret", line: 2 }], status: "partial" },
      { files: ["evil\nkind: Secret.yaml"], label: "PodSecurityPolicies", names: ["p\r\nq"] },
    );
    const header = text.slice(0, text.indexOf("---"));
    expect(header.split("\n").filter(Boolean).every((l) => l.startsWith("#"))).toBe(true);
    expect(header).toContain("evil\\nkind: Secret.yaml");
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual([manifest]);
  });
});

describe("a directory converts with the documents of other kinds skipped (a rendered chart)", () => {
  const role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: []\n";
  const chart = (name: string, policy: string): string => {
    const dir = path.join(root, name, "templates");
    mkdirSync(dir, { recursive: true });
    copyFileSync(policy, path.join(dir, "policy.yaml"));
    writeFileSync(path.join(dir, "role.yaml"), role);
    return path.join(root, name);
  };
  const runAll = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = "";
    let err = "";
    const code = await main(["node", "migrate", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  };
  it.each([
    ["psp", "fixtures/psp/restricted.yaml", "PodSecurityPolicies"],
    ["kyverno", "fixtures/kyverno/disallow-host-namespaces.yaml", "Kyverno policies"],
  ])("%s", async (command, policy, noun) => {
    const dir = chart(`chart-${command}`, policy);
    const r = await runAll(command, dir);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(new RegExp(`^skipping 1 document\\(s\\) that are not ${noun} \\(first: .*role\\.yaml:1, kind ClusterRole, apiVersion rbac\\.authorization\\.k8s\\.io/v1\\)$`, "m"));
    expect(r.out).toContain("kind: ValidatingAdmissionPolicy");
    expect(r.out).not.toContain("role.yaml");
    // named on the command line, the same file is bad input; a folder of other kinds only has nothing to convert
    expect((await runAll(command, path.join(dir, "templates", "role.yaml"))).code).toBe(2);
    rmSync(path.join(dir, "templates", "policy.yaml"));
    const none = await runAll(command, dir);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no .* found \(1 document\(s\) of other kinds skipped\)/);
  });
});
