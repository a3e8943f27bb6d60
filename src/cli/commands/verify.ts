// `migrate verify SOURCE... --fixtures PATH...` as the command line declares it: arguments, options and help. The
// implementation, ../verify.ts, is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { VerifyOptions } from "../verify.js";
import type { CommandContext } from "../shared.js";

export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command("verify")
    .description("Replay fixtures through the source engine and the generated VAP (+MAP); report every divergence")
    .argument("<sources...>", "policy files or directories (one source language: PodSecurityPolicies, Kyverno policies, or ConstraintTemplates + Constraints)")
    .requiredOption("--fixtures <paths...>", "pods or AdmissionReviews (files or directories)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--target-version <version>", "as for `migrate psp`", "1.36")
    .option("--rbac <mode>", "PodSecurityPolicies only: as for `migrate psp` (default: authorizer)")
    .option("--controllers", "PodSecurityPolicies only: as for `migrate psp`")
    .option("--actions <list>", "as for `migrate psp`", "Deny")
    .option("--params <mode>", "Gatekeeper only: inline or constraint, as for `migrate gatekeeper`")
    .option("--entrypoint <rule>", "Rego modules only: the denying rule, as for `migrate rego`")
    .option("--input <shape>", "Rego modules only: admission or object, as for `migrate rego`")
    .option("--authz <file>", "authorization table used by both engines (PSP `use` and CEL `authorizer`)")
    .option("-v, --verbose", "print details for passing cases too")
    .addHelpText(
      "after",
      `
Examples:
  migrate verify fixtures/psp/restricted.yaml --fixtures fixtures/psp/pods
  migrate verify psps/ --fixtures pods/ review.yaml -o json
  migrate verify fixtures/gatekeeper/template.yaml fixtures/gatekeeper/constraint.yaml --fixtures fixtures/gatekeeper/cases
  migrate verify fixtures/rego/conftest/policy.rego --entrypoint data.main.deny --input object --fixtures fixtures/rego/conftest/deployments

A fixture named allowed*.yaml must be admitted, disallowed*.yaml denied; any fixture may instead carry the annotation
vap-migrate.io/expect: admit|deny. A case passes when both engines agree (and match the expectation).
Exit codes: 0 all cases pass and the conversion is exact, 1 a case failed, 2 bad input, 3 all cases pass but the
conversion has gaps (listed on stderr).`,
    )
    .action(async (sources: string[], opts: VerifyOptions) => ctx.setExit((await import("../verify.js")).runVerify(sources, opts, ctx)));
}
