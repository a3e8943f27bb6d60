// `migrate gatekeeper TEMPLATE... [CONSTRAINT...]` as the command line declares it: arguments, options and help. The
// implementation, ../gatekeeper.ts, is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { GatekeeperCliOptions } from "../gatekeeper.js";
import type { CommandContext } from "../shared.js";

export function registerGatekeeper(program: Command, ctx: CommandContext): void {
  program
    .command("gatekeeper")
    .description("Convert Gatekeeper ConstraintTemplates (Rego) and their Constraints to ValidatingAdmissionPolicies")
    .argument("<files...>", "ConstraintTemplate and Constraint YAML/JSON files or directories, in any order")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--out <dir>", "write the result into DIR instead of stdout")
    .option("--params <mode>", "inline: one VAP + binding per constraint, its parameters folded in; constraint: one VAP per template with the Constraint as its param (paramKind), one binding per constraint", "inline")
    .option("--target-version <version>", "oldest Kubernetes version the output must run on", "1.36")
    .option("--actions <list>", "binding validationActions (default: from each constraint's enforcementAction: deny → Deny, warn → Warn, dryrun → Audit)")
    .addHelpText(
      "after",
      `
Examples:
  migrate gatekeeper fixtures/gatekeeper/template.yaml fixtures/gatekeeper/constraint.yaml
  migrate gatekeeper library/general/requiredlabels/ -o json
  migrate gatekeeper templates/ constraints/ --out generated/
  migrate test fixtures/gatekeeper/suite.yaml           replay a gator suite through Rego and the converted VAP

Constraints are matched to their template by kind (lowercase kind = template name); with --params inline every
template needs at least one constraint (its parameters are what gets inlined). Documents of other kinds are left out when found in a directory and refused
in a file named on the command line.
Exit codes: 0 converted exactly, 3 converted with named gaps (listed in the header and on stderr), 2 bad input
(YAML error, constraint without its template, template without constraint, Rego parse/compile error — file:line).`,
    )
    .action(async (files: string[], opts: GatekeeperCliOptions) => ctx.setExit((await import("../gatekeeper.js")).runGatekeeper(files, opts, ctx)));
}
