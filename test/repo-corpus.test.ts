// `migrate repo` over the whole shared corpus (Kyverno, Gatekeeper, PSP, kaptest, and thousands of files that are
// not policies): nothing fails to read or convert, every source converted with no gap agrees with its source engine
// on every replayed case, and two shard runs merged give exactly the report and outputs of the single run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runSuiteFile } from "../src/equivalence/suites.js";
import { mergeReports } from "../src/repo/report.js";
import { DEFAULT_REPO_OPTIONS, runRepo } from "../src/repo/run.js";
import type { RepoRun } from "../src/repo/types.js";
import { CORPUS_DIR, haveCorpus } from "./support/corpus.js";

describe.skipIf(!haveCorpus("repo-corpus", "kyverno/INDEX.tsv", "gatekeeper/INDEX.tsv", "psp"))("migrate repo ../shared/corpus", () => {
  let whole: RepoRun;

  it("converts every policy source; every no-gap conversion agrees on every replayed case", async () => {
    whole = await runRepo(CORPUS_DIR, { ...DEFAULT_REPO_OPTIONS, emitTests: true, workers: 1 });
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
    const shards = await Promise.all([1, 2].map((index) => runRepo(CORPUS_DIR, { ...DEFAULT_REPO_OPTIONS, emitTests: true, workers: 1, shard: { index, count: 2 } })));
    expect(shards.every((s) => s.report.sources.length > 0)).toBe(true);
    expect(JSON.stringify(mergeReports(shards.map((s) => s.report)))).toBe(JSON.stringify(whole.report));
    const outputs = shards.flatMap((s) => s.outputs).sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(outputs).toEqual(whole.outputs);
  });

  it("--emit-tests: the evidence kept beside each VAP passes on its own as kaptest suites", () => {
    const out = mkdtempSync(path.join(tmpdir(), "migrate-repo-corpus-"));
    try {
      for (const o of whole.outputs) {
        mkdirSync(path.dirname(path.join(out, o.path)), { recursive: true });
        writeFileSync(path.join(out, o.path), o.text);
      }
      const manifests = whole.outputs.filter((o) => /\.test\/kaptest(-\d+)?\.yaml$/.test(o.path));
      const cases = manifests.flatMap((m) => runSuiteFile(path.join(out, m.path), { params: "inline" }).cases);
      console.log(`[repo-corpus] --emit-tests: ${manifests.length} kaptest manifests, ${cases.filter((c) => c.pass).length}/${cases.length} cases pass`);
      expect(manifests.length).toBeGreaterThan(300);
      expect(cases.filter((c) => !c.pass).map((c) => `${c.suite}: ${c.policy} ${c.resource}: ${c.reason}`)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
