// `npm run bench`, Kyverno section (over the corpus INDEX.tsv rows): whole-corpus conversion time against only parsing
// its YAML, and `kyverno test` replay cases per second per engine. Files are read from disk before timing; every
// figure is the median of a few runs after a warm-up run (so CEL programs and JMESPath queries are compiled once,
// as in a long replay).
//  a. parse: parseDocuments of every policy file.
//  b. convert: parse + parseKyvernoDocuments + convertKyvernoPolicies of every policy file.
//  c. replay, every suite of test_files: the Kyverno engine (runSuiteThroughEngine) alone; the VAP side alone (the
//     converted VAPs in the VAP engine on the same cases, called as replayKyvernoSuite calls replay.ts's vapSideOf,
//     conversion done beforehand);
//     replayKyvernoSuite end to end (conversion + both engines + comparison).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { convertKyvernoPolicies } from "../converters/kyverno/convert.js";
import { runSuiteThroughEngine, type EngineCase } from "../converters/kyverno/engine/suite.js";
import type { KyvernoPolicy } from "../converters/kyverno/model.js";
import { parseKyvernoDocuments } from "../converters/kyverno/parse.js";
import { replayKyvernoSuite, vapSideOf } from "../converters/kyverno/replay.js";
import { loadKyvernoSuite, type KyvernoSuite } from "../converters/kyverno/testsuite.js";
import type { ConvertResult } from "../src/convert/types.js";
import { parseDocuments } from "../src/input/yaml.js";

export interface BenchRow {
  bench: string;
  ours: string;
  baseline: string;
  ratio: string;
}

export interface KyvernoBench {
  policyFiles: number;
  policies: number;
  parseYamlMs: number;
  convertMs: number;
  convertOverParse: number;
  policiesPerSec: number;
  suites: number;
  cases: number;
  /** Cases whose policy converted to a VAP (the VAP engine evaluates only those; the others are "error" at once). */
  vapCases: number;
  engineMs: number;
  engineCasesPerSec: number;
  vapMs: number;
  vapCasesPerSec: number;
  replayMs: number;
  replayCasesPerSec: number;
  runs: number;
}

const RUNS = 3;

/** Median wall time (ms) of `runs` runs after one warm-up run (shared by the bench sections). */
export function medianMs(fn: () => void, runs = RUNS): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

interface IndexRow {
  policyFile: string;
  testFiles: string[];
}

function indexRows(dir: string): IndexRow[] {
  return readFileSync(path.join(dir, "INDEX.tsv"), "utf8").trim().split("\n").slice(1).map((l) => {
    const c = l.split("\t");
    return { policyFile: c[11]!, testFiles: (c[12] ?? "").split(";").filter(Boolean) };
  });
}

/** The Kyverno section: rows for the table and the `kyverno` key of results.json; null (with a notice) without the corpus. */
export function benchKyverno(corpusDir: string): { rows: BenchRow[]; results: KyvernoBench } | null {
  const dir = path.join(corpusDir, "kyverno");
  if (!existsSync(path.join(dir, "INDEX.tsv"))) {
    console.error(`bench: ${path.join(dir, "INDEX.tsv")} not found — Kyverno benchmarks skipped`);
    return null;
  }
  const index = indexRows(dir);
  const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));

  // a / b: parse only vs parse + model + conversion, every policy file once
  const files = [...new Set(index.map((r) => path.join(dir, r.policyFile)))];
  const texts = files.map((f) => [f, readFileSync(f, "utf8")] as const);
  let policies = 0;
  for (const [f, t] of texts) policies += parseKyvernoDocuments(parseDocuments(t, f), { ignoreOtherKinds: true }).length;
  const parseYamlMs = medianMs(() => {
    for (const [f, t] of texts) parseDocuments(t, f);
  });
  const convertMs = medianMs(() => {
    for (const [f, t] of texts) convertKyvernoPolicies(parseKyvernoDocuments(parseDocuments(t, f), { ignoreOtherKinds: true }));
  });

  // c: suites loaded (and their policies parsed) before timing
  const load = (f: string): KyvernoPolicy[] => parseKyvernoDocuments(parseDocuments(readFileSync(f, "utf8"), f), { ignoreOtherKinds: true });
  const suiteFiles = [...new Set(index.flatMap((r) => r.testFiles.map((t) => path.join(dir, t))))];
  const suites: { suite: KyvernoSuite; policies: KyvernoPolicy[]; cases: EngineCase[]; vapSide: ReturnType<typeof vapSideOf>; converted: Map<string, ConvertResult> }[] = [];
  for (const f of suiteFiles) {
    const suite = loadKyvernoSuite(f);
    const ps = suite.policyFiles.flatMap(load);
    const converted = new Map(ps.map((p) => [p.name, convertKyvernoPolicies([p])]));
    suites.push({ suite, policies: ps, cases: runSuiteThroughEngine(suite, ps), vapSide: vapSideOf(suite, converted, ps), converted });
  }
  const cases = suites.reduce((n, s) => n + s.cases.length, 0);
  const vapCases = suites.reduce((n, s) => n + s.cases.filter((c) => s.converted.get(c.policy)?.manifests.length).length, 0);
  const engineMs = medianMs(() => {
    for (const s of suites) runSuiteThroughEngine(s.suite, s.policies);
  });
  const vapMs = medianMs(() => {
    for (const s of suites) for (const c of s.cases) s.vapSide(c.policy, c.resource, c.operation);
  });
  let replayCases = 0;
  const replayMs = medianMs(() => {
    replayCases = 0;
    for (const s of suites) replayCases += replayKyvernoSuite(s.suite, s.policies).length;
  });
  if (replayCases !== cases) throw new Error(`bench: replayKyvernoSuite gave ${replayCases} cases, the engine ${cases}`);

  const perSec = (n: number, ms: number): number => (n / ms) * 1000;
  const results: KyvernoBench = {
    policyFiles: files.length,
    policies,
    parseYamlMs,
    convertMs,
    convertOverParse: convertMs / parseYamlMs,
    policiesPerSec: perSec(policies, convertMs),
    suites: suites.length,
    cases,
    vapCases,
    engineMs,
    engineCasesPerSec: perSec(cases, engineMs),
    vapMs,
    vapCasesPerSec: perSec(vapCases, vapMs),
    replayMs,
    replayCasesPerSec: perSec(cases, replayMs),
    runs: RUNS,
  };
  const rows: BenchRow[] = [
    {
      bench: `kyverno: parse + convert ${policies} corpus policies (${files.length} files) vs YAML parse only`,
      ours: `${convertMs.toFixed(1)} ms`,
      baseline: `${parseYamlMs.toFixed(1)} ms`,
      ratio: `${results.convertOverParse.toFixed(1)}× parse`,
    },
    { bench: `kyverno: conversion throughput (parse + model + convert)`, ours: `${fmt(results.policiesPerSec)} policies/s`, baseline: "-", ratio: "-" },
    { bench: `kyverno replay: ${cases} cases of ${suites.length} suites, Kyverno engine`, ours: `${fmt(results.engineCasesPerSec)} cases/s`, baseline: "-", ratio: "-" },
    { bench: `kyverno replay: ${vapCases} cases with a converted VAP, VAP engine`, ours: `${fmt(results.vapCasesPerSec)} cases/s`, baseline: "-", ratio: "-" },
    { bench: `kyverno replay: ${cases} cases, replayKyvernoSuite end to end (convert + both engines)`, ours: `${fmt(results.replayCasesPerSec)} cases/s`, baseline: "-", ratio: "-" },
  ];
  return { rows, results };
}
