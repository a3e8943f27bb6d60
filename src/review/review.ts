// Running a review: locate the repository, resolve both refs, materialize each commit's tree into its own temporary
// directory, convert and replay it in repo mode, and compare the two runs. The temporary directories are removed
// whatever happens; the user's checkout is only read. The repo runner is passed in (the CLI passes runRepo).
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import type { RepoRun } from "../repo/types.js";
import { compareRuns } from "./compare.js";
import { locateRepository, materialize, resolveCommit, treeId } from "./git.js";
import type { ReviewReport } from "./types.js";

export interface ReviewOptions {
  /** A directory inside the repository; below the top level only its subtree is reviewed. */
  dir: string;
  base: string;
  head: string;
  params: "inline" | "constraint";
  targetVersion: string;
}

/** Repo mode over one materialized tree (runRepo with the review's options filled in). */
export type TreeRunner = (root: string) => Promise<RepoRun>;

/** Every string in a JSON value with the temporary roots cut out (`/tmp/x/a.yaml` → `a.yaml`). */
export function stripRoots<T>(value: T, roots: readonly string[]): T {
  // longest first: one root may end another (/private/tmp/x and /tmp/x)
  const prefixes = [...new Set(roots.map((r) => (r.endsWith(sep) ? r : r + sep)))].sort((a, b) => b.length - a.length);
  const fix = (v: unknown): unknown => {
    if (typeof v === "string") return prefixes.reduce((s, p) => s.split(p).join(""), v);
    if (Array.isArray(v)) return v.map(fix);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]));
    return v;
  };
  return fix(value) as T;
}

/** Materialize one commit's (sub)tree in a fresh temporary directory, run repo mode on it, remove the directory. */
async function runAt(root: string, commit: string, prefix: string, runner: TreeRunner): Promise<RepoRun> {
  const tmp = mkdtempSync(join(tmpdir(), "migrate-review-"));
  try {
    await materialize(root, commit, prefix, tmp);
    const run = await runner(tmp);
    return stripRoots(run, [tmp, realpathSync(tmp)]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The review of `head` against `base` in the repository containing `dir`. Bad input is an InputError. */
export async function runReview(o: ReviewOptions, runner: TreeRunner): Promise<ReviewReport> {
  const { root, prefix } = await locateRepository(o.dir);
  const base = await resolveCommit(root, o.base);
  const head = await resolveCommit(root, o.head);
  const baseRun = await runAt(root, base, prefix, runner);
  // the same tree twice (a merge, a docs-only change outside the subtree): one run serves both sides
  const same = (await treeId(root, base, prefix)) === (await treeId(root, head, prefix));
  const headRun = same ? baseRun : await runAt(root, head, prefix, runner);
  return compareRuns(baseRun, headRun, { base: { ref: o.base, commit: base }, head: { ref: o.head, commit: head } }, { params: o.params, targetVersion: o.targetVersion });
}
