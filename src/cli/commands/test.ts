// `migrate test MANIFEST...` as the command line declares it: arguments, options and help. The implementation,
// ../test.ts, is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { TestOptions } from "../test.js";
import type { CommandContext } from "../shared.js";

export function registerTest(program: Command, ctx: CommandContext): void {
  program
    .command("test")
    .description("Run kaptest manifests through the VAP engine with real API-server semantics; kyverno test and gator suites on both sides")
    .argument("<manifests...>", "kaptest manifests, kyverno-test.yaml or gator Suite files (or directories of them)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--kaptest-compat", "evaluate as kaptest does: ignore matchConstraints and failurePolicy")
    .option("--authz <file>", "authorization table for `authorizer` checks")
    .option("-v, --verbose", "print messages for passing cases too")
    .option("--params <mode>", "gator suites: convert templates with --params inline or constraint (as migrate gatekeeper)", "inline")
    .addHelpText(
      "after",
      `
Examples:
  migrate test policy.test/kaptest.yaml
  migrate test policy.test/kaptest.yaml -o json
  migrate test policy.test/kaptest.yaml --kaptest-compat
  migrate test path/to/.kyverno-test/kyverno-test.yaml
  migrate test fixtures/gatekeeper/suite.yaml -o json   gator suite: Rego engine and converted VAP per case

A case whose expectation holds only because kaptest ignores matchConstraints fails with that reason
unless --kaptest-compat is given. kyverno test and gator suite rows carry "source" (the source engine's
verdict) beside "vap"; such a case passes when the source engine meets the suite's expectation and the VAP
agrees. Exit codes: 0 all cases pass, 1 a case failed, 2 bad input, 3 all cases pass but a kyverno test or
gator suite policy converted with gaps (its rows' "conversion" is partial or unsupported; noted on stderr).`,
    )
    .action(async (manifests: string[], opts: TestOptions) => ctx.setExit((await import("../test.js")).runTest(manifests, opts, ctx)));
}
