// `migrate kyverno FILE...` as the command line declares it: arguments, options and help. The implementation,
// ../kyverno.ts, is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { KyvernoCliOptions } from "../kyverno.js";
import type { CommandContext } from "../shared.js";

export function registerKyverno(program: Command, ctx: CommandContext): void {
  program
    .command("kyverno")
    .description("Convert Kyverno policies (ClusterPolicy, Policy, ValidatingPolicy) to ValidatingAdmissionPolicies")
    .argument("<files...>", "Kyverno policy YAML/JSON files or directories")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--out <dir>", "write the result into DIR instead of stdout")
    .option("--target <kind>", "vap: ValidatingAdmissionPolicy; kyverno: Kyverno ValidatingPolicy with the same CEL", "vap")
    .option("--target-version <version>", "oldest Kubernetes version the output must run on", "1.36")
    .option("--actions <list>", "binding validationActions (default: Enforce → Deny, Audit → Audit,Warn)")
    .option("--name <name>", "name of the generated policy (one source policy only)")
    .addHelpText(
      "after",
      `
Examples:
  migrate kyverno fixtures/kyverno/disallow-host-namespaces.yaml
  migrate kyverno policies/ -o json
  migrate kyverno policies/ --target kyverno --out generated/
  migrate test path/to/.kyverno-test/kyverno-test.yaml

Exit codes: 0 converted exactly, 3 converted with named gaps (listed in the header and on stderr), 2 bad input.`,
    )
    .action(async (files: string[], opts: KyvernoCliOptions) => ctx.setExit((await import("../kyverno.js")).runKyverno(files, opts, ctx)));
}
