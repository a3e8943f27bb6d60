// `migrate repo` over the whole shared corpus (Kyverno, Gatekeeper, PSP, kaptest, and thousands of files that are
// not policies): nothing fails to read or convert, every source converted with no gap agrees with its source engine
// on every replayed case, and two shard runs merged give exactly the report and outputs of the single run.
import { describe, expect, it } from "vitest";
import { mergeReports } from "../src/repo/report.js";
import { DEFAULT_REPO_OPTIONS, runRepo } from "../src/repo/run.js";
import type { RepoRun } from "../src/repo/types.js";
import { CORPUS_DIR, haveCorpus } from "./support/corpus.js";

describe.skipIf(!haveCorpus("repo-corpus", "kyverno/INDEX.tsv", "gatekeeper/INDEX.tsv", "psp"))("migrate repo ../shared/corpus", () => {
  let whole: RepoRun;

  it("converts every policy source; every no-gap conversion agrees on every replayed case", async () => {
    whole = await runRepo(CORPUS_DIR, { ...DEFAULT_REPO_OPTIONS, workers: 1 });
    const { summary, sources, errors } = whole.report;
    const byConverter = (c: string): number => sources.filter((s) => s.converter === c).length;
    console.log(
      `[repo-corpus] ${summary.sources} sources (psp ${byConverter("psp")}, kyverno ${byConverter("kyverno")}, gatekeeper ${byConverter("gatekeeper")}): ` +
        `${summary.converted} converted, ${summary.partial} partial, ${summary.unsupported} unsupported, ${summary.errors} errors; ` +
        `${summary.agreeing}/${summary.cases} cases agree in ${summary.suites} suites; ${whole.outputs.length} files written`,
    );
    expect(errors).toEqual([]);
    expect(sources.filter((s) => s.status === "error").map((s) => `${s.path}: ${s.error?.message}`)).toEqual([]);
    expect(byConverter("kyverno")).toBeGreaterThan(300);
    expect(byConverter("gatekeeper")).toBeGreaterThan(30);
    const noGap = sources.filter((s) => s.status === "converted" && !s.gaps.length);
    expect(noGap.length).toBeGreaterThan(350);
    expect(noGap.filter((s) => s.equivalence === "differ").map((s) => `${s.path}: ${s.replay.failures[0]}`)).toEqual([]);
    expect(noGap.filter((s) => s.equivalence === "agree").length).toBeGreaterThan(300);
  });

  it("two shard runs merged equal the single run, byte for byte", async () => {
    const shards = await Promise.all([1, 2].map((index) => runRepo(CORPUS_DIR, { ...DEFAULT_REPO_OPTIONS, workers: 1, shard: { index, count: 2 } })));
    expect(shards.every((s) => s.report.sources.length > 0)).toBe(true);
    expect(JSON.stringify(mergeReports(shards.map((s) => s.report)))).toBe(JSON.stringify(whole.report));
    const outputs = shards.flatMap((s) => s.outputs).sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(outputs).toEqual(whole.outputs);
  });
});
