// `migrate review --base REF [--head REF]`: convert the policies of a git repository at two refs (repo mode, each
// ref materialized in its own temporary directory) and report, per added, removed or changed source policy, the
// diff of its generated VAP, equivalence and status before → after and gaps opened and closed — as a PR comment
// (markdown), workflow annotations (github), SARIF, JUnit or JSON. `--write FORMAT=FILE` adds more forms in one run.
import type { Command } from "commander";
import { DEFAULT_REPO_OPTIONS, runRepo } from "../repo/run.js";
import { InputError } from "../input/yaml.js";
import { renderGithub } from "../review/render-github.js";
import { renderJson } from "../review/render-json.js";
import { renderJunit } from "../review/render-junit.js";
import { renderMarkdown } from "../review/render-markdown.js";
import { renderSarif } from "../review/render-sarif.js";
import { runReview } from "../review/review.js";
import type { ReviewReport } from "../review/types.js";
import { writeFileAtomic } from "./io.js";
import { reportInputError, type CommandContext } from "./shared.js";

export const REVIEW_FORMATS = ["markdown", "github", "sarif", "junit", "json"] as const;
export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

const isFormat = (s: string): s is ReviewFormat => (REVIEW_FORMATS as readonly string[]).includes(s);

interface ReviewFlags {
  base: string;
  head: string;
  output: string;
  dir: string;
  params: string;
  targetVersion: string;
  workers?: string;
  write?: string[];
}

const flagError = (msg: string): InputError => new InputError(msg, "<flags>");

/** The report in one output form. */
export function renderReview(r: ReviewReport, format: ReviewFormat, version: string): string {
  switch (format) {
    case "markdown":
      return renderMarkdown(r);
    case "github":
      return renderGithub(r);
    case "sarif":
      return renderSarif(r, version);
    case "junit":
      return renderJunit(r);
    case "json":
      return renderJson(r);
  }
}

/** `--write FORMAT=FILE` values as pairs; a bad one is an InputError. */
function parseWrites(values: readonly string[]): { format: ReviewFormat; file: string }[] {
  return values.map((v) => {
    const eq = v.indexOf("=");
    const format = eq < 0 ? "" : v.slice(0, eq);
    const file = eq < 0 ? "" : v.slice(eq + 1);
    if (!isFormat(format) || !file) throw flagError(`--write must be FORMAT=FILE with FORMAT one of ${REVIEW_FORMATS.join(", ")}, not ${JSON.stringify(v)}`);
    return { format, file };
  });
}

export async function runReviewCommand(o: ReviewFlags, ctx: CommandContext, version: string): Promise<number> {
  try {
    if (!isFormat(o.output)) throw flagError(`-o must be ${REVIEW_FORMATS.join(", ")}, not ${JSON.stringify(o.output)}`);
    if (o.params !== "inline" && o.params !== "constraint") throw flagError(`--params must be inline or constraint, not ${JSON.stringify(o.params)}`);
    if (!/^v?1\.\d+$/.test(o.targetVersion)) throw flagError(`--target-version must look like 1.36, not ${JSON.stringify(o.targetVersion)}`);
    const workers = o.workers === undefined ? undefined : Number(o.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw flagError(`--workers must be a whole number ≥ 0, not ${JSON.stringify(o.workers)}`);
    const writes = parseWrites(o.write ?? []);
    const params = o.params;
    const targetVersion = o.targetVersion.replace(/^v/, "");
    ctx.io.err(`reviewing ${o.head} against ${o.base}\n`);
    const report = await runReview({ dir: o.dir, base: o.base, head: o.head, params, targetVersion }, (root) =>
      runRepo(root, { ...DEFAULT_REPO_OPTIONS, params, targetVersion, ...(workers !== undefined ? { workers } : {}) }),
    );
    for (const w of writes) {
      try {
        writeFileAtomic(w.file, renderReview(report, w.format, version));
      } catch (e) {
        throw new InputError(`cannot write: ${(e as Error).message}`, w.file);
      }
      ctx.io.err(`wrote ${w.file}\n`);
    }
    ctx.io.out(renderReview(report, o.output, version));
    ctx.io.err(`${report.summary.line}\n`);
    return report.summary.exitCode;
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
}

export function registerReview(program: Command, ctx: CommandContext): void {
  program
    .command("review")
    .description("Review a change to a policy repository: convert the policies at two git refs and report what changed in the generated VAPs")
    .requiredOption("--base <ref>", "the ref to compare against (a branch, tag or commit; e.g. origin/main)")
    .option("--head <ref>", "the ref under review", "HEAD")
    .option("-o, --output <format>", `output form on stdout: ${REVIEW_FORMATS.join(", ")}`, "markdown")
    .option("--dir <dir>", "a directory in the git repository; below its top level only that subtree is reviewed", ".")
    .option("--params <mode>", "Gatekeeper templates: inline or constraint, as for `migrate gatekeeper`", "inline")
    .option("--target-version <version>", "oldest Kubernetes version the output must work on", "1.36")
    .option("--workers <n>", "worker threads for each repo run (0: in-process; default: by CPU count)")
    .option("--write <format=file>", "also write the review in another form to a file (repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .addHelpText(
      "after",
      `
Each ref is read from git into its own temporary directory (your checkout, index and worktree are not touched),
converted and replayed as \`migrate repo\` would, and the two runs are compared source file by source file. A policy
is reported when it was added or removed, or when its generated output, status, equivalence, gaps or replay counts
changed; gaps are matched by id, rule and reason, not by line. --head defaults to HEAD (the committed state; edits
not yet committed are not reviewed).

Output forms:
  markdown  a PR comment: starts with <!-- migrate-review -->, summary, a section per policy with its VAP diff
  github    workflow commands (::error/::warning at the source line of each new gap and differing policy, ::notice)
  sarif     SARIF 2.1.0 for code scanning (ruleIds migrate/gap/<gap id>, migrate/equivalence/differ,
            migrate/conversion/error)
  junit     JUnit XML of the replay at head, one testsuite per added or changed policy
  json      the review report (docs/schemas/review-report.schema.json)

Examples:
  migrate review --base origin/main
  migrate review --base main --head feature -o json
  migrate review --base "$BASE_SHA" -o github --write markdown=review.md --write sarif=review.sarif

Exit codes: 0 no problem in the changed policies, 1 a changed or added policy's VAP differs from its source (or it
fails to convert) at head, 2 usage or input error (not a git repository, unknown ref), 3 a changed or added policy
converts with gaps.`,
    )
    .action(async (o: ReviewFlags) => ctx.setExit(await runReviewCommand(o, ctx, program.version() ?? "0.0.0")));
}
