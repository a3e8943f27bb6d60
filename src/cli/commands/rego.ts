// `migrate rego FILE...` and `migrate rego eval QUERY` as the command line declares them: arguments, options and
// help. Their implementations, ../rego-convert.ts and ../rego.ts, are imported (with all they need) only when run.
import type { Command } from "commander";
import type { RegoConvertOptions } from "../rego-convert.js";
import type { RegoEvalOptions } from "../rego.js";
import type { CommandContext } from "../shared.js";
import { EXIT } from "../streams.js";

export function registerRego(program: Command, ctx: CommandContext): void {
  const rego = program
    .command("rego")
    // `rego eval` has its own -i/--input (a file): options after the subcommand name are the subcommand's
    .enablePositionalOptions()
    .description("Convert plain OPA modules (deny/violation/warn over an AdmissionReview or a manifest) to a ValidatingAdmissionPolicy; `rego eval` evaluates queries as opa eval does")
    .argument("[files...]", ".rego modules or directories")
    .option("--entrypoint <rule>", "the denying rule, e.g. data.kubernetes.admission.deny (warn → Warn)")
    .option("--input <shape>", "admission: input is an AdmissionReview (input.request.object); object: the manifest itself (conftest)", "admission")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--out <dir>", "write the result into DIR instead of stdout")
    .option("--fixtures <path>", "replay these objects / AdmissionReviews through the Rego engine and the VAP, one row each")
    .option("--v0", "parse the modules as Rego v0 (default: v1, as opa 1.x)")
    .option("--target-version <version>", "oldest Kubernetes version the output must run on", "1.36")
    .option("--actions <list>", "binding validationActions (default Deny; Warn for a warn entrypoint)")
    .option("--name <name>", "name of the generated policy")
    .addHelpText(
      "after",
      `
Examples:
  migrate rego policy.rego --entrypoint data.kubernetes.admission.deny
  migrate rego policy/ --entrypoint data.main.deny --input object -o json
  migrate rego policy.rego --entrypoint data.main.deny --input object --fixtures manifests/

Exit codes: 0 converted exactly (and every fixture agrees), 1 a fixture where the VAP and the Rego differ or
that the Rego engine cannot evaluate (e.g. a builtin it lacks: the row's source is "error", counted in errors),
2 bad input (unreadable file, Rego parse or compile error with file:line), 3 converted with named gaps.`,
    )
    .action(async (files: string[], opts: RegoConvertOptions) => {
      if (!files.length) {
        ctx.io.err("error: missing .rego files (or use `migrate rego eval QUERY`)\n");
        ctx.setExit(EXIT.badInput);
        return;
      }
      ctx.setExit((await import("../rego-convert.js")).runRegoConvert(files, opts, ctx));
    });
  rego
    .command("eval")
    .description("Evaluate a Rego query against modules, data and an input, printing the result set as JSON")
    .argument("<query>", "Rego query, e.g. data.k8srequiredlabels.violation")
    .option("-d, --data <paths...>", ".rego modules and JSON/YAML data files (directories are walked)", [])
    .option("-i, --input <file>", "input document (JSON or YAML)")
    .option("--v0", "parse modules and the query as Rego v0 (default: v1, as opa 1.x)")
    .option("--strict-builtin-errors", "treat builtin errors as fatal instead of undefined")
    .option("--fail", "exit 1 when the result is undefined")
    .option("-o, --output <format>", "json (the only format: OPA's result set)", "json")
    .addHelpText(
      "after",
      `
Examples:
  migrate rego eval 'data.k8sdisallowedtags.violation' -d template.rego -i review.json
  migrate rego eval 'x := count(input.spec.containers)' -i pod.yaml
  migrate rego eval --v0 'data.lib.helpers' -d lib/
  migrate rego eval 'data.main.deny' -d policy.rego -i deployment.yaml -o json

Exit codes: 0 evaluated (also when undefined, unless --fail), 1 evaluation error or --fail on undefined,
2 bad input (unreadable file, parse or compile error with file:line:col).`,
    )
    .action(async (query: string, opts: RegoEvalOptions) => ctx.setExit((await import("../rego.js")).runRegoEval(query, opts, ctx)));
}
