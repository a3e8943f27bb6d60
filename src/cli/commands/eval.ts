// `migrate eval FILE... --request REQUEST.yaml` as the command line declares it: arguments, options and help. The
// implementation, ../eval.ts, is imported (with all it needs) only when the command runs.
import type { Command } from "commander";
import type { EvalOptions } from "../eval.js";
import type { CommandContext } from "../shared.js";

export function registerEval(program: Command, ctx: CommandContext): void {
  program
    .command("eval")
    .description("Decide one admission request offline, exactly as kube-apiserver's ValidatingAdmissionPolicy plugin would")
    .argument("<files...>", "policies, bindings, Namespaces, CRDs and param objects (YAML/JSON files or directories)")
    .requiredOption("--request <file>", "an admission.k8s.io/v1 AdmissionReview, or a bare object (= CREATE of it)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--authz <file>", "authorization table: allowed checks for `authorizer` (everything else is denied)")
    .addHelpText(
      "after",
      `
Examples:
  migrate eval policy.yaml binding.yaml --request pod.yaml
  migrate eval policies/ --request review.json -o json
  migrate eval psp-vap.yaml --request pod.yaml --authz authz.yaml

Exit codes: 0 admit or skip, 1 deny or error, 2 bad input.`,
    )
    .action(async (files: string[], opts: EvalOptions) => ctx.setExit((await import("../eval.js")).runEval(files, opts, ctx)));
}
