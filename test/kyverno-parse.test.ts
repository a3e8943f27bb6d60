// Kyverno policy parsing: the typed model of a bundled policy, file:line errors for wrong types, and every policy
// of the shared corpus (ClusterPolicy and ValidatingPolicy) read without error.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isClusterPolicy, type ClusterPolicy } from "../converters/kyverno/model.js";
import { isKyvernoPolicy, parseKyvernoDocuments } from "../converters/kyverno/parse.js";
import { InputError, parseDocuments } from "../src/input/yaml.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

const parseText = (text: string, file = "p.yaml") => parseKyvernoDocuments(parseDocuments(text, file));

describe("bundled policy", () => {
  it("reads rules, match, validate pattern and defaults", () => {
    const file = "fixtures/kyverno/disallow-host-namespaces.yaml";
    const [p] = parseKyvernoDocuments(parseDocuments(readFileSync(file, "utf8"), file));
    const cp = p as ClusterPolicy;
    expect(isClusterPolicy(cp)).toBe(true);
    expect({ name: cp.name, action: cp.validationFailureAction, background: cp.background, failurePolicy: cp.failurePolicy, applyRules: cp.applyRules }).toEqual({
      name: "disallow-host-namespaces", action: "Enforce", background: true, failurePolicy: "Fail", applyRules: "All",
    });
    const r = cp.rules[0]!;
    expect(r.name).toBe("host-namespaces");
    expect(r.source).toMatchObject({ file, line: 11 });
    expect(r.source.fieldLines).toMatchObject({ name: 11, match: 12, validate: 17 });
    expect(r.match).toEqual({ any: [{ resources: { kinds: ["Pod"] } }] });
    expect(r.validate?.pattern).toEqual({ spec: { "=(hostPID)": "false", "=(hostIPC)": "false", "=(hostNetwork)": "false" } });
    expect(r.otherTypes).toEqual([]);
  });
});

const BASE = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
    - name: r
      match:
        any:
          - resources:
              kinds: [Pod]
`;

describe("errors carry file:line", () => {
  it.each<[string, string, RegExp]>([
    ["rule without a name", BASE.replace("- name: r", "- nome: r"), /^spec\.rules\[0\]\.name: is required$/],
    ["kinds not a list", BASE.replace("kinds: [Pod]", "kinds: Pod"), /kinds: must be a list, not a string$/],
    ["unknown failure action", BASE.replace("spec:\n", "spec:\n  validationFailureAction: Block\n"), /validationFailureAction: must be one of Audit, Enforce/],
    ["condition without operator", BASE + "      preconditions:\n        all:\n          - key: a\n            value: b\n", /preconditions\.all\[0\]\.operator: is required/],
    ["duplicate rule names", BASE + BASE.slice(BASE.indexOf("    - name: r")), /duplicate rule name "r"/],
  ])("%s", (_n, text, re) => {
    let err: unknown;
    try {
      parseText(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const ie = err as InputError;
    expect(ie.detail ?? ie.message).toMatch(re);
    expect(ie.file).toBe("p.yaml");
    expect(ie.line).toBeGreaterThan(1);
  });

  it("legacy match.resources, legacy condition lists, other rule types", () => {
    const text = BASE.replace("        any:\n          - resources:\n              kinds: [Pod]\n", "        resources:\n          kinds: [Pod]\n") +
      "      preconditions:\n        - key: a\n          operator: Equals\n          value: b\n      mutate:\n        patchStrategicMerge: {}\n";
    const r = (parseText(text)[0] as ClusterPolicy).rules[0]!;
    expect(r.match).toEqual({ legacy: { resources: { kinds: ["Pod"] } } });
    expect(r.preconditions).toEqual({ all: [{ key: "a", operator: "Equals", value: "b" }] });
    expect(r.otherTypes).toEqual(["mutate"]);
  });
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

describe.skipIf(!haveCorpus("kyverno-parse", "kyverno"))("corpus policies", () => {
  it("every ClusterPolicy and ValidatingPolicy parses", () => {
    const counts: Record<string, number> = {};
    const failures: string[] = [];
    for (const f of yamlFiles(corpusPath("kyverno"))) {
      let docs;
      try {
        docs = parseDocuments(readFileSync(f, "utf8"), f);
      } catch {
        continue; // not our concern here: fixture files with templates
      }
      const policies = docs.filter((d) => isKyvernoPolicy(d.doc));
      if (!policies.length) continue;
      try {
        for (const p of parseKyvernoDocuments(policies)) counts[p.kind] = (counts[p.kind] ?? 0) + 1;
      } catch (e) {
        failures.push(`${f}: ${(e as Error).message}`);
      }
    }
    console.log(`[kyverno-parse] parsed: ${JSON.stringify(counts)}`);
    expect(failures).toEqual([]);
    expect(counts["ClusterPolicy"]).toBeGreaterThan(200);
    expect(counts["ValidatingPolicy"]).toBeGreaterThan(50);
  });

  it("every INDEX.tsv row's policy file yields a ClusterPolicy of that name", () => {
    const rows = readFileSync(corpusPath("kyverno/INDEX.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
    const missing = rows.filter(([, name, , , , , , , , , , file]) => {
      const f = corpusPath(`kyverno/${file}`);
      return !parseKyvernoDocuments(parseDocuments(readFileSync(f, "utf8"), f), { ignoreOtherKinds: true }).some((p) => p.name === name && isClusterPolicy(p));
    });
    expect(rows.length).toBeGreaterThan(200);
    expect(missing.map((r) => r[0])).toEqual([]);
  });
});
