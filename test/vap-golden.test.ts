// Replays the golden admission cases recorded from a real kube-apiserver 1.36.3 (corpus/golden/vap-verdicts.jsonl and
// gatekeeper-vap-verdicts.jsonl) through the offline VAP engine; verdict and messages must agree except for the
// explicitly listed, explained cases below.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluate } from "../src/vap/engine.js";
import { parse } from "yaml";
import { requestFromDocument, splitDocuments } from "../src/vap/load.js";
import type { AdmissionRequest, ApiError, Verdict } from "../src/vap/types.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

/** Recorded cases per golden file. */
const GOLDEN: Record<string, number> = { "vap-verdicts.jsonl": 1388, "gatekeeper-vap-verdicts.jsonl": 98 };

interface GoldenCase {
  id: string;
  source?: string;
  object?: string;
  objects: unknown[];
  request: AdmissionRequest;
  verdict: Verdict;
  messages: string[];
  apiError: ApiError | null;
  results: { policy: string; binding: string; params?: string; decision: Verdict; skipReason?: string }[];
}

/** Cases allowed to diverge, with the cause. Keep empty unless a divergence is understood and accepted. */
const EXCEPTIONS: ReadonlyMap<string, string> = new Map([]);

function load(file: string): GoldenCase[] {
  return readFileSync(corpusPath(`golden/${file}`), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as GoldenCase);
}

interface Tally {
  total: number;
  agree: number;
  apiErrorAgree: number;
  resultAgree: number;
  diverging: { id: string; want: string; got: string }[];
}

function replay(file: string): Tally {
  const t: Tally = { total: 0, agree: 0, apiErrorAgree: 0, resultAgree: 0, diverging: [] };
  for (const c of load(file)) {
    t.total++;
    const s = splitDocuments(c.objects);
    let got: { verdict: Verdict; messages: string[]; apiError: ApiError | null; results: { verdict: Verdict; skipReason?: string; params: string | null }[] };
    try {
      got = evaluate({
        policies: s.policies,
        bindings: s.bindings,
        params: s.params,
        namespaces: s.namespaces,
        crds: s.crds,
        request: c.request,
      });
    } catch (e) {
      t.diverging.push({ id: c.id, want: `${c.verdict} ${JSON.stringify(c.messages)}`, got: `exception ${String(e)}` });
      continue;
    }
    const ok = got.verdict === c.verdict && JSON.stringify(got.messages) === JSON.stringify(c.messages);
    if (!ok) {
      t.diverging.push({
        id: c.id,
        want: `${c.verdict} ${JSON.stringify(c.messages)}`,
        got: `${got.verdict} ${JSON.stringify(got.messages)}`,
      });
      continue;
    }
    t.agree++;
    const apiError = (e: ApiError | null): string => JSON.stringify(e && { message: e.message, code: e.code, reason: e.reason });
    if (apiError(got.apiError) === apiError(c.apiError)) t.apiErrorAgree++;
    const want = c.results[0];
    const r = got.results[0];
    if (
      got.results.length === c.results.length &&
      want &&
      r &&
      r.verdict === want.decision &&
      (r.skipReason ?? null) === (want.skipReason ?? null) &&
      (want.params === undefined || r.params === want.params)
    ) {
      t.resultAgree++;
    }
  }
  return t;
}

function check(file: string): void {
  const t = replay(file);
  const unlisted = t.diverging.filter((d) => !EXCEPTIONS.has(d.id));
  const listed = t.diverging.filter((d) => EXCEPTIONS.has(d.id));
  console.log(
    `[vap-golden] ${file}: verdict+messages ${t.agree}/${t.total}, apiError ${t.apiErrorAgree}/${t.agree}, ` +
      `per-result ${t.resultAgree}/${t.agree}; listed exceptions ${listed.length}, unlisted divergences ${unlisted.length}`,
  );
  for (const d of unlisted.slice(0, 25)) console.log(`  ✗ ${d.id}\n    want ${d.want}\n    got  ${d.got}`);
  expect(unlisted.map((d) => d.id)).toEqual([]);
  expect(t.apiErrorAgree).toBe(t.agree);
  expect(t.resultAgree).toBe(t.agree);
  expect(t.total).toBe(GOLDEN[file]);
}

describe.skipIf(!haveCorpus("vap-golden", "gatekeeper", ...Object.keys(GOLDEN).map((f) => `golden/${f}`)))("golden VAP verdicts (kube-apiserver 1.36.3)", () => {
  it("vap-verdicts.jsonl (Kyverno-derived, 1388 cases)", () => check("vap-verdicts.jsonl"));
  it("gatekeeper-vap-verdicts.jsonl (98 cases, params = Constraints)", () => check("gatekeeper-vap-verdicts.jsonl"));
  it("requests built from the Gatekeeper suite files (bare objects, AdmissionReviews) match the recorded ones", () => {
    const canon = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(canon)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
          : v;
    const strip = (r: AdmissionRequest): string => JSON.stringify(canon({ ...r, uid: undefined, userInfo: undefined }));
    let same = 0;
    const cases = load("gatekeeper-vap-verdicts.jsonl");
    for (const c of cases) {
      const file = corpusPath(`gatekeeper/${c.source!.replace(/template\.yaml$/, "")}${c.object!}`);
      const built = requestFromDocument(parse(readFileSync(file, "utf8")) as unknown);
      if (strip(built) === strip(c.request)) same++;
    }
    console.log(`[vap-golden] gatekeeper requests rebuilt from suite files: ${same}/${cases.length}`);
    expect(cases).toHaveLength(GOLDEN["gatekeeper-vap-verdicts.jsonl"]!);
    expect(same).toBe(cases.length);
  });

  it("every listed exception is a real, still diverging case", () => {
    const all = new Set([...load("vap-verdicts.jsonl"), ...load("gatekeeper-vap-verdicts.jsonl")].map((c) => c.id));
    expect([...EXCEPTIONS.keys()].filter((id) => !all.has(id))).toEqual([]);
    const diverging = new Set([
      ...replay("vap-verdicts.jsonl").diverging.map((d) => d.id),
      ...replay("gatekeeper-vap-verdicts.jsonl").diverging.map((d) => d.id),
    ]);
    // a listed exception that now agrees is stale: remove it
    expect([...EXCEPTIONS.keys()].filter((id) => !diverging.has(id))).toEqual([]);
  });
});
