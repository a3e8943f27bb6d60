// `kyverno test` suite loading: CLI resource defaults, and every suite of the shared corpus loads with its
// resources, values and results.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { asCliResource, loadKyvernoSuite } from "../converters/kyverno/testsuite.js";
import type { KObject } from "../src/vap/types.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

describe("resources as kyverno test loads them", () => {
  it.each<[string, KObject, KObject]>([
    ["namespaced kind gets default", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" } }],
    ["cluster-scoped kind stays without", { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } }, { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } }],
    ["null labels/annotations/data → {}", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "x", labels: null, annotations: null } as never, data: null } as never,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "x", labels: {}, annotations: {} }, data: {} } as never],
  ])("%s", (_n, input, want) => {
    expect(asCliResource(input)).toEqual(want);
  });
});

function suites(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? suites(p) : f === "kyverno-test.yaml" ? [p] : [];
  });
}

describe.skipIf(!haveCorpus("kyverno-testsuite", "kyverno"))("corpus suites", () => {
  it("every kyverno-test.yaml loads with its resources, values and results", () => {
    const files = suites(corpusPath("kyverno"));
    const errors: string[] = [];
    let resources = 0;
    let results = 0;
    let withValues = 0;
    for (const f of files) {
      try {
        const s = loadKyvernoSuite(f);
        resources += s.resources.length;
        results += s.results.length;
        if (s.values) withValues++;
        expect(s.policyFiles.length).toBeGreaterThan(0);
      } catch (e) {
        errors.push(`${path.relative(corpusPath("kyverno"), f)}: ${(e as Error).message}`);
      }
    }
    console.log(`[kyverno-testsuite] ${files.length} suites, ${resources} resources, ${results} result entries, ${withValues} with values files`);
    expect(errors).toEqual([]);
    expect(files.length).toBeGreaterThan(300);
  });
});
