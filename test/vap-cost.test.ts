// Replays corpus/golden/vap-cost-verdicts.jsonl (kube-apiserver 1.36.3's validating plugin on large Pods, recorded
// by vapcheck) through the offline engine: verdict, messages, the per-(policy, binding, param) results with their
// warnings, and every expression's own runtime cost that the engine evaluated must agree.
import { describe, expect, it } from "vitest";
import { evaluate } from "../src/vap/engine.js";
import { splitDocuments } from "../src/vap/load.js";
import type { AdmissionRequest, Decision, Verdict } from "../src/vap/types.js";
import { haveCorpus, readCorpusJsonl } from "./support/corpus.js";

interface GoldenResult {
  policy: string;
  binding: string;
  params?: string;
  decision: Verdict;
  messages: string[];
  warnings?: string[];
  skipReason?: string;
}

interface GoldenCase {
  id: string;
  objects: unknown[];
  request: AdmissionRequest;
  verdict: Verdict;
  messages: string[];
  results: GoldenResult[];
  expressionCosts: Record<string, number>;
}

const decide = (c: GoldenCase): Decision => evaluate({ ...splitDocuments(c.objects), request: c.request, expressionCosts: true });

/** Differences between the engine's per-result view and the recorded one (warnings carry the plugin's prefix). */
function resultDiffs(got: Decision, want: readonly GoldenResult[]): string[] {
  if (got.results.length !== want.length) return [`${got.results.length} results, want ${want.length}`];
  return want.flatMap((w, i) => {
    const r = got.results[i]!;
    const diffs: string[] = [];
    if (r.binding !== w.binding || r.verdict !== w.decision) diffs.push(`result ${i}: ${r.binding} ${r.verdict}, want ${w.binding} ${w.decision}`);
    if ((r.params ?? undefined) !== w.params) diffs.push(`result ${i}: params ${r.params}, want ${w.params}`);
    if ((r.skipReason ?? undefined) !== w.skipReason) diffs.push(`result ${i}: skipReason ${r.skipReason}, want ${w.skipReason}`);
    const warnings = w.warnings ?? [];
    const warned = r.warnings.length === warnings.length && warnings.every((m, k) => r.warnings[k]!.endsWith(`: ${m}`));
    if (!warned) diffs.push(`result ${i}: warnings ${JSON.stringify(r.warnings)}, want ${JSON.stringify(warnings)}`);
    return diffs;
  });
}

/** Recorded costs of the expressions the engine evaluated that differ (the plugin skips some the oracle costed). */
function costDiffs(got: Decision, want: Record<string, number>): { diffs: string[]; compared: number } {
  const diffs: string[] = [];
  let compared = 0;
  for (const r of got.results) {
    for (const [field, cost] of Object.entries(r.expressionCosts ?? {})) {
      if (want[field] === undefined) continue;
      compared++;
      if (want[field] !== cost) diffs.push(`${field}: ${cost}, want ${want[field]}`);
    }
  }
  return { diffs, compared };
}

const present = haveCorpus("vap-cost", "golden/vap-cost-verdicts.jsonl");

describe.skipIf(!present)("golden VAP cost verdicts (kube-apiserver 1.36.3)", () => {
  it("vap-cost-verdicts.jsonl: verdicts, messages, results and expression costs agree", () => {
    const cases = readCorpusJsonl<GoldenCase>("golden/vap-cost-verdicts.jsonl");
    const diverging: string[] = [];
    let agree = 0;
    let costsCompared = 0;
    for (const c of cases) {
      const got = decide(c);
      const costs = costDiffs(got, c.expressionCosts);
      costsCompared += costs.compared;
      const diffs = [
        ...(got.verdict !== c.verdict ? [`verdict ${got.verdict}, want ${c.verdict}`] : []),
        ...(JSON.stringify(got.messages) !== JSON.stringify(c.messages) ? [`messages ${JSON.stringify(got.messages).slice(0, 300)}, want ${JSON.stringify(c.messages).slice(0, 300)}`] : []),
        ...resultDiffs(got, c.results),
        ...costs.diffs,
      ];
      if (diffs.length === 0) agree++;
      else diverging.push(`${c.id}\n    ${diffs.join("\n    ")}`);
    }
    console.log(`[vap-cost] ${agree}/${cases.length} cases agree; ${costsCompared} expression costs compared`);
    for (const d of diverging) console.log(`  ✗ ${d}`);
    expect(diverging).toEqual([]);
    expect(costsCompared).toBeGreaterThan(200);
  });
});
