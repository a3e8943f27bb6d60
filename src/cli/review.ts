// `migrate review --base REF [--head REF]`: convert the policies of a git repository at two refs (repo mode, each
// ref materialized in its own temporary directory) and report, per added, removed or changed source policy, the
// diff of its generated VAP, equivalence and status before → after and gaps opened and closed — as a PR comment
// (markdown), workflow annotations (github), SARIF, JUnit or JSON. `--write FORMAT=FILE` adds more forms in one run.
import { DEFAULT_REPO_OPTIONS, runRepo } from "../repo/run.js";
import { InputError } from "../input/yaml.js";
import { renderGithub } from "../review/render-github.js";
import { renderJson } from "../review/render-json.js";
import { renderJunit } from "../review/render-junit.js";
import { renderMarkdown } from "../review/render-markdown.js";
import { renderSarif } from "../review/render-sarif.js";
import { runReview } from "../review/review.js";
import type { ReviewReport } from "../review/types.js";
import { REVIEW_FORMATS } from "./commands/review.js";
import { writeFileAtomic } from "./io.js";
import { reportInputError, type CommandContext } from "./shared.js";

export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

const isFormat = (s: string): s is ReviewFormat => (REVIEW_FORMATS as readonly string[]).includes(s);

export interface ReviewFlags {
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
