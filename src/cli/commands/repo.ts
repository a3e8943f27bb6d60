// `migrate repo DIR --out DIR` as the command line declares it: arguments, options and help. The implementation,
// ../repo.ts, is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { RepoCliOptions } from "../repo.js";
import type { CommandContext } from "../shared.js";

export function registerRepo(program: Command, ctx: CommandContext): void {
  program
    .command("repo")
    .description("Convert every policy in a repository, replay every suite in it, and write the outputs with a migration report")
    .argument("[dir]", "the repository (or any directory) to convert")
    .requiredOption("--out <dir>", "where to write the outputs (paths mirror the sources), migration-report.json and MIGRATION.md")
    .option("-o, --output <format>", "what to print on stdout: text, json (the report) or markdown (MIGRATION.md)", "text")
    .option("--params <mode>", "Gatekeeper templates: inline or constraint, as for `migrate gatekeeper`", "inline")
    .option("--target-version <version>", "oldest Kubernetes version the output must run on", "1.36")
    .option("--target <target>", "vap, or kyverno (Kyverno policies become ValidatingPolicies)", "vap")
    .option("--emit-tests", "write a kaptest manifest (kyverno-test.yaml with --target kyverno) beside each output, from the replayed suites")
    .option("--shard <i/n>", "convert only shard i of n (stable by source path); writes migration-report.shard-i-of-n.json")
    .option("--merge", "join the shard reports in --out into migration-report.json and MIGRATION.md (no DIR)")
    .option("--changed-since <ref>", "convert only sources whose files (or suites) changed since this git ref")
    .option("--workers <n>", "worker threads (default: one per core; 1 runs everything in one thread)")
    .addHelpText(
      "after",
      `
Examples:
  migrate repo policies/ --out generated/
  migrate repo . --out generated/ -o markdown > MIGRATION.md
  migrate repo policies/ --out generated/ --shard 2/4        (one CI matrix job; then:)
  migrate repo --merge --out generated/
  migrate repo policies/ --out generated/ --changed-since origin/main

Detected by apiVersion/kind: PodSecurityPolicies, Kyverno ClusterPolicy/Policy/ValidatingPolicy, Gatekeeper
ConstraintTemplates (with the Constraints of their kind anywhere in the tree), and .rego modules with a deny rule;
suites: kyverno-test.yaml, gator Suites, kaptest manifests. .gitignore is honoured; symbolic links out of DIR are
skipped; Helm templates and kustomize overlays are reported as not rendered. A file that cannot be read is reported
and the run goes on.
Exit codes: 0 all converted and every replayed case agrees, 1 a source engine and its VAP differ, 2 bad input
(bad flags, or a file that could not be read or converted), 3 converted with named gaps.`,
    )
    .action(async (dir: string | undefined, opts: RepoCliOptions) => ctx.setExit(await (await import("../repo.js")).runRepoCommand(dir, opts, ctx)));
}
