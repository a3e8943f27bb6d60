// `migrate impact DUMP... --policies PATH...` as the command line declares it: arguments, options and help. The
// implementation, ../impact.ts, is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { ImpactCliOptions } from "../impact.js";
import type { CommandContext } from "../shared.js";

export function registerImpact(program: Command, ctx: CommandContext): void {
  program
    .command("impact")
    .description("Replay a cluster dump through each policy's source engine and its generated VAPs: what each rejects, and where they differ")
    .argument("<dumps...>", "cluster dump files or directories (`kubectl get -A -o yaml` output: a List, *List kinds, or multi-document YAML)")
    .requiredOption("--policies <paths...>", "policy files or directories: PodSecurityPolicies, Kyverno policies, ConstraintTemplates + Constraints (other documents are skipped)")
    .option("-o, --output <format>", "markdown or json", "markdown")
    .option("--operation <op>", "create: each object as a create of it (as a Kyverno background scan evaluates it; a Gatekeeper audit sends no operation), or update: as an update of itself", "create")
    .option("--target-version <version>", "as for `migrate psp`", "1.36")
    .option("--authz <file>", "authorization table used by both engines (PSP `use` and CEL `authorizer`)")
    .addHelpText(
      "after",
      `
Examples:
  kubectl get pods,deployments,namespaces -A -o yaml > dump.yaml
  migrate impact dump.yaml --policies policies/
  migrate impact fixtures/impact/dump.yaml --policies fixtures/psp/restricted.yaml fixtures/kyverno fixtures/gatekeeper/template.yaml fixtures/gatekeeper/constraint.yaml -o json

Each object is replayed as a CREATE of it through every policy's source engine and through the VAPs converted from
it: a Kyverno background scan evaluates existing objects as a CREATE (pkg/controllers/report/utils/scanner.go), a
Gatekeeper audit sends no operation (pkg/audit/manager.go), and either way the question is whether the object would
be admitted again. --operation update replays an update of itself (oldObject = object) instead, which PSP (it ignores
updates changing only GC fields) and Kyverno's Enforce rules (allowExistingViolations: the old object already failed)
admit whatever the object holds. Verdicts are violations, as a background scan or a Gatekeeper audit reports them:
Audit/Warn/dryrun policies count as rejecting, generated bindings are evaluated as Deny. Namespaces of the dump feed
namespace selectors on both engines. Kyverno policies: one entry each; Gatekeeper: one per template with its
constraints; PodSecurityPolicies: one entry for the whole set (PSP admits a pod when any usable policy does).
Exit codes: 0 the engines agree on every object, 1 some policy's engines differ, 2 bad input, 3 they agree but some
policy was converted with gaps.`,
    )
    .action(async (dumps: string[], opts: ImpactCliOptions) => ctx.setExit((await import("../impact.js")).runImpactCommand(dumps, opts, ctx)));
}
