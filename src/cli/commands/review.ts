// `migrate review --base REF [--head REF]` as the command line declares it: arguments, options and help. The
// implementation, ../review.ts, is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { ReviewFlags } from "../review.js";
import type { CommandContext } from "../shared.js";

/** The output forms of `-o` and `--write` (named in the help, so declared here). */
export const REVIEW_FORMATS = ["markdown", "github", "sarif", "junit", "json"] as const;

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
    .action(async (o: ReviewFlags) => ctx.setExit(await (await import("../review.js")).runReviewCommand(o, ctx, program.version() ?? "0.0.0")));
}
