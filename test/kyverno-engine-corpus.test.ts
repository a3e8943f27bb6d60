// The Kyverno engine against the recorded `kyverno test` results of the corpus (INDEX.tsv rows: source policies and
// Kyverno's validate.cel ports): every results entry × resource × answering rule is a case.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runSuiteThroughEngine, type EngineCase } from "../converters/kyverno/engine/suite.js";
import { parseKyvernoDocuments } from "../converters/kyverno/parse.js";
import { loadKyvernoSuite } from "../converters/kyverno/testsuite.js";
import { parseDocuments } from "../src/input/yaml.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

interface Row {
  path: string;
  name: string;
  tier: string;
  testFiles: string[];
}

/**
 * Cases where the engine gives no rule response (the rule does not apply, or a foreach processed no element), which
 * `kyverno test` reports as "pass (Excluded)" whatever the expectation says: istio's rule name has a typo in its
 * test (documented in the corpus README); the others expect pass/skip, which an excluded row satisfies upstream.
 */
const EXPECTED_EXCLUDED = [
  "istio/enforce-ambient-mode-namespace check-ambient-mode-enabled Namespace/bad-istio-amb01: expected fail",
  "istio/enforce-ambient-mode-namespace check-ambient-mode-enabled Namespace/bad-istio-amb03: expected fail",
  "istio/enforce-ambient-mode-namespace check-ambient-mode-enabled Namespace/bad-istio-amb02: expected fail",
  "istio/enforce-ambient-mode-namespace check-ambient-mode-enabled Namespace/good-istio-amb01: expected pass",
  "istio/enforce-ambient-mode-namespace check-ambient-mode-enabled Namespace/good-istio-amb02: expected pass",
  "kasten/kasten-data-protection-by-label kasten-data-protection-by-label Deployment/nginx-deployment-skipped: expected skip",
  "other-cel/memory-requests-equal-limits autogen-cronjob-memory-requests-equal-limits CronJob/hello: expected pass",
  "other/memory-requests-equal-limits autogen-cronjob-memory-requests-equal-limits CronJob/hello: expected pass",
  "other/require-emptydir-requests-limits check-emptydir-requests-limits Pod/skip-pod: expected skip",
];

function rows(): Row[] {
  return readFileSync(corpusPath("kyverno/INDEX.tsv"), "utf8").trim().split("\n").slice(1).map((l) => {
    const c = l.split("\t");
    return { path: c[0]!, name: c[1]!, tier: c[9]!, testFiles: (c[12] ?? "").split(";").filter(Boolean) };
  });
}

function replay(r: Row): EngineCase[] {
  return r.testFiles.flatMap((t) => {
    const suite = loadKyvernoSuite(corpusPath(`kyverno/${t}`));
    const policies = suite.policyFiles.flatMap((f) => parseKyvernoDocuments(parseDocuments(readFileSync(f, "utf8"), f), { ignoreOtherKinds: true }));
    return runSuiteThroughEngine(suite, policies).filter((c) => c.policy === r.name);
  });
}

describe.skipIf(!haveCorpus("kyverno-engine-corpus", "kyverno"))("Kyverno engine vs recorded kyverno test results", () => {
  it("agrees per tier; every disagreement is listed", () => {
    const excludedCases: string[] = [];
    const byTier = new Map<string, { cases: number; agree: number; excluded: number; disagree: string[] }>();
    for (const r of rows()) {
      const t = byTier.get(r.tier) ?? { cases: 0, agree: 0, excluded: 0, disagree: [] };
      byTier.set(r.tier, t);
      for (const c of replay(r)) {
        t.cases++;
        if (c.outcome === c.expected) t.agree++;
        else if (c.outcome === "excluded") {
          t.excluded++;
          excludedCases.push(`${r.path} ${c.rule} ${c.resource.kind}/${c.resource.metadata?.name}: expected ${c.expected}`);
        }
        else t.disagree.push(`${r.path} ${c.rule} ${c.resource.kind}/${c.resource.metadata?.name}: expected ${c.expected}, engine ${c.outcome} (${c.message.slice(0, 160)})`);
      }
    }
    const table = [...byTier].map(([tier, t]) => `${tier}: ${t.cases} cases, ${t.agree} agree, ${t.excluded} excluded, ${t.disagree.length} disagree`);
    console.log(`[kyverno-engine-corpus]\n${table.join("\n")}\n${[...byTier.values()].flatMap((t) => t.disagree).join("\n")}\nexcluded:\n${excludedCases.join("\n")}`);
    const total = (f: (t: { cases: number; agree: number; excluded: number; disagree: string[] }) => number): number => [...byTier.values()].reduce((a, t) => a + f(t), 0);
    expect([...byTier.values()].flatMap((t) => t.disagree)).toEqual([]);
    // a resource the rule does not apply to is "pass (Excluded)" for kyverno test; these expectations are unchecked upstream
    expect(excludedCases).toEqual(EXPECTED_EXCLUDED);
    expect(total((t) => t.agree) / total((t) => t.cases)).toBeGreaterThanOrEqual(0.99);
  });
});
