// `migrate psp FILE...` as the command line declares it: arguments, options and help. The implementation, ../psp.ts,
// is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { PspCliOptions } from "../psp.js";
import type { CommandContext } from "../shared.js";

export function registerPsp(program: Command, ctx: CommandContext): void {
  program
    .command("psp")
    .description("Convert PodSecurityPolicies to one ValidatingAdmissionPolicy (+ MutatingAdmissionPolicies for PSP defaults)")
    .argument("<files...>", "PodSecurityPolicy YAML/JSON files or directories (policy/v1beta1 or extensions/v1beta1)")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--out <dir>", "write the result into DIR instead of stdout")
    .option("--target-version <version>", "oldest Kubernetes version the output must run on", "1.36")
    .option("--rbac <mode>", "authorizer: guard each PSP by a `use` check as PSP did; ignore: every PSP applies to everyone", "authorizer")
    .option("--controllers", "also check pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs")
    .option("--actions <list>", "binding validationActions: Deny, or Warn,Audit", "Deny")
    .option("--name <name>", "base name of the generated objects (default: psp-<names of the PSPs>)")
    .addHelpText(
      "after",
      `
Examples:
  migrate psp fixtures/psp/restricted.yaml
  migrate psp psps/ -o json
  migrate psp restricted.yaml baseline.yaml --out generated/ --rbac ignore
  migrate psp restricted.yaml --target-version 1.33 --actions Warn,Audit
  migrate psp psps/ --name pod-security

Exit codes: 0 converted exactly, 3 converted with named gaps (listed in the header and on stderr), 2 bad input.`,
    )
    .action(async (files: string[], opts: PspCliOptions) => ctx.setExit((await import("../psp.js")).runPsp(files, opts, ctx)));
}
