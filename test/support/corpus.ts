// Where the shared corpus lives and what a test does when it is missing: on a fresh clone without ../shared every
// corpus test skips with one visible notice; under CI=true a missing corpus is a failure.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const CORPUS_DIR = path.resolve(process.cwd(), "../shared/corpus");

/** Absolute path of a corpus file or folder (it may not exist). */
export function corpusPath(rel: string): string {
  return path.join(CORPUS_DIR, rel);
}

/**
 * True when every listed corpus path exists. Otherwise prints a notice naming the test and the missing path and
 * returns false (use with `describe.skipIf(!haveCorpus(...))`), or throws under CI=true.
 */
export function haveCorpus(testName: string, ...rels: string[]): boolean {
  for (const rel of rels) {
    const p = corpusPath(rel);
    if (existsSync(p)) continue;
    if (process.env["CI"] === "true") throw new Error(`[${testName}] corpus missing at ${p} (CI=true)`);
    console.warn(`[${testName}] corpus not found at ${p}: skipping these tests`);
    return false;
  }
  return true;
}

/** The records of a corpus JSON-lines file. */
export function readCorpusJsonl<T>(rel: string): T[] {
  return readFileSync(corpusPath(rel), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}
