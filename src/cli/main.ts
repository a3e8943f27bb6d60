// The `migrate` command line: wires commander to the library. Each command is declared (arguments, options, help) in
// ./commands/<name>.ts, and its implementation module — with everything it needs: the YAML reader, the CEL
// environments, converters, engines — is imported only when that command runs, so start-up pays for one command
// only. Each command returns its exit code; commander usage errors exit 2 (bad input), as do input errors.
import { Command, CommanderError } from "commander";
import { registerEval } from "./commands/eval.js";
import { registerGatekeeper } from "./commands/gatekeeper.js";
import { registerImpact } from "./commands/impact.js";
import { registerKyverno } from "./commands/kyverno.js";
import { registerPsp } from "./commands/psp.js";
import { registerRego } from "./commands/rego.js";
import { registerRepo } from "./commands/repo.js";
import { registerReview } from "./commands/review.js";
import { registerTest } from "./commands/test.js";
import { registerVerify } from "./commands/verify.js";
import type { CommandContext } from "./shared.js";
import { EXIT, stdStreams, type Streams } from "./streams.js";

const EXAMPLES = `
Examples:
  migrate psp fixtures/psp/restricted.yaml              convert PodSecurityPolicies to a VAP (+ MAP) as YAML
  migrate verify fixtures/psp/restricted.yaml --fixtures fixtures/psp/pods
                                                        replay pods through the PSP engine and the generated VAP
  migrate eval policy.yaml --request pod.yaml -o json   decide one admission request offline, as kube-apiserver would
  migrate kyverno fixtures/kyverno/disallow-host-namespaces.yaml
                                                        convert Kyverno policies to one VAP + binding each
  migrate gatekeeper fixtures/gatekeeper/template.yaml fixtures/gatekeeper/constraint.yaml
                                                        convert a ConstraintTemplate (Rego) + constraints to VAPs
  migrate test kaptest.yaml                             run kaptest manifests through the VAP engine
  migrate test fixtures/gatekeeper/suite.yaml           replay a gator suite through Rego and the converted VAP
  migrate rego eval 'data.pkg.violation' -d policy.rego -i input.json
                                                        evaluate a Rego query as opa eval does
  migrate repo policies/ --out generated/               convert a whole tree, with migration-report.json and MIGRATION.md
  migrate review --base origin/main -o markdown         convert the policies at both refs, report what changed in the VAPs
  migrate impact dump.yaml --policies policies/         replay a cluster dump through each source engine and its VAPs

Exit codes: 0 success/admit, 1 deny/error/failing case, 2 bad input, 3 converted with gaps,
70 internal error (a bug: please report).`;

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command("migrate")
    .description("Move Kubernetes admission policies onto ValidatingAdmissionPolicy (CEL), with evidence.")
    .version("0.1.0")
    .addHelpText("after", EXAMPLES)
    .showHelpAfterError(false)
    // options after a subcommand belong to it (`rego` and `rego eval` both have --input and --v0)
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .exitOverride();
  registerEval(program, ctx);
  registerTest(program, ctx);
  registerPsp(program, ctx);
  registerKyverno(program, ctx);
  registerGatekeeper(program, ctx);
  registerVerify(program, ctx);
  registerRego(program, ctx);
  registerRepo(program, ctx);
  registerReview(program, ctx);
  registerImpact(program, ctx);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });
  return program;
}

/** Run the CLI with process-style argv; resolves to the exit code. */
export async function main(argv: readonly string[], io: Streams = stdStreams): Promise<number> {
  let code: number = EXIT.ok;
  const ctx: CommandContext = { io, setExit: (c) => (code = c) };
  const program = buildProgram(ctx);
  if (argv.length <= 2) {
    io.out(program.helpInformation() + EXAMPLES + "\n");
    return EXIT.ok;
  }
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
      return EXIT.badInput;
    }
    // an input error a command let through (e.g. while writing --out) is still bad input, never a stack trace; the
    // command has loaded the YAML reader's module (where InputError lives) by then, so this import costs nothing
    const { InputError } = await import("../input/yaml.js");
    if (e instanceof InputError) {
      io.err(`error: ${e.message}\n`);
      return EXIT.badInput;
    }
    throw e;
  }
  return code;
}
