// `migrate test MANIFEST...`: run kaptest manifests through the VAP engine — and `kyverno test` suites / gator
// suites through their source engine and the converted VAP — and print the shared result contract (and CEL cost
// warnings on stderr).
import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { summarize, renderText, type CaseResult } from "../equivalence/contract.js";
import { KaptestError, parseManifest, runKaptest } from "../equivalence/kaptest.js";
import { parseKyvernoDocuments } from "../../converters/kyverno/parse.js";
import { replayKyvernoSuite } from "../../converters/kyverno/replay.js";
import { isKyvernoTest, loadKyvernoSuite } from "../../converters/kyverno/testsuite.js";
import { replayGatorSuite } from "../../converters/rego/convert/replay.js";
import { RegoError } from "../../converters/rego/engine/errors.js";
import { TemplateError } from "../../converters/rego/gatekeeper/run.js";
import { isGatorSuite } from "../../converters/rego/gatekeeper/suite.js";
import { InputError, type LoadedDoc } from "../input/yaml.js";
import { validatePolicy } from "../vap/compilepolicy.js";
import type { ValidatingAdmissionPolicy } from "../vap/types.js";
import { EXIT, expandPaths, loadAuthz, outputFormatOk, printCostWarnings, readDocuments, reportInputError, type CommandContext } from "./shared.js";

interface TestOptions {
  output: string;
  kaptestCompat?: boolean;
  authz?: string;
  verbose?: boolean;
  params?: string;
}

/** Compile errors per policy name, as `field line:column: message`. */
function policyCompileIssues(docs: readonly LoadedDoc[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of docs) {
    const o = d.doc as ValidatingAdmissionPolicy;
    if (!o || typeof o !== "object" || o.kind !== "ValidatingAdmissionPolicy" || !o.spec) continue;
    const issues = validatePolicy(o, d.file);
    const i = issues[0];
    if (i) out.set(i.policy, `${i.field} ${i.line}:${i.column}: ${i.message}`);
  }
  return out;
}

/**
 * A gator suite's rows. The replay converts each template; one whose Rego does not compile (or that has no Rego)
 * cannot be converted at all, which is bad input at the template's file line.
 */
function replayGator(file: string, params: "inline" | "constraint"): CaseResult[] {
  try {
    return replayGatorSuite(file, { params });
  } catch (e) {
    if (e instanceof RegoError) throw new InputError(`${e.code}: ${e.detail} (a template of ${file})`, e.loc?.file ?? file, e.loc?.line);
    if (e instanceof TemplateError) throw new InputError(`${e.message} (a template of ${file})`, file);
    throw e;
  }
}

export function runTest(manifests: string[], opts: TestOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["text", "json"], ctx.io)) return EXIT.badInput;
  const all: CaseResult[] = [];
  let errors = 0;
  try {
    const params = opts.params ?? "inline";
    if (params !== "inline" && params !== "constraint") throw new InputError(`--params must be inline or constraint, not ${JSON.stringify(params)}`, "<flags>");
    const authorizer = loadAuthz(opts.authz);
    for (const file of expandPaths(manifests)) {
      const docs = readDocuments([file]);
      if (docs.length === 1 && isKyvernoTest(docs[0]!.doc)) {
        // a `kyverno test` suite: the Kyverno engine and the converted VAP side by side, per case
        ctx.io.err(`running ${file} (kyverno test)\n`);
        const suite = loadKyvernoSuite(file);
        const policies = parseKyvernoDocuments(readDocuments(suite.policyFiles), { ignoreOtherKinds: true });
        all.push(...replayKyvernoSuite(suite, policies));
        continue;
      }
      if (docs.length >= 1 && isGatorSuite(docs[0]!.doc)) {
        // a gator suite (gator reads only its first document): the Rego engine and the converted VAP, per case
        ctx.io.err(`running ${file} (gator suite)\n`);
        all.push(...replayGator(file, params));
        continue;
      }
      if (docs.length !== 1) throw new InputError(`expected one kaptest manifest document, found ${docs.length}`, file);
      let m;
      try {
        m = parseManifest(docs[0]!.doc);
      } catch (e) {
        if (e instanceof KaptestError) throw new InputError(e.message, file, docs[0]!.line);
        throw e;
      }
      const base = dirname(file);
      const policyDocs = readDocuments(m.policies.map((p) => resolve(base, p)));
      const compileIssues = policyCompileIssues(policyDocs);
      const resourceDocs = readDocuments(m.resources.map((p) => resolve(base, p)));
      ctx.io.err(`running ${file}\n`);
      const r = runKaptest(file, m, policyDocs.map((d) => d.doc), resourceDocs.map((d) => d.doc), {
        compat: !!opts.kaptestCompat,
        compileIssues,
        ...(authorizer ? { authorizer } : {}),
      });
      all.push(...r.cases);
      errors += r.errors;
    }
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  const report = summarize(all, errors);
  printCostWarnings(report.cases, ctx.io);
  ctx.io.out(opts.output === "json" ? JSON.stringify(report, null, 2) + "\n" : renderText(report, !!opts.verbose));
  return report.summary.failed ? EXIT.failed : EXIT.ok;
}

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
agrees. Exit codes: 0 all cases pass, 1 a case failed, 2 bad input.`,
    )
    .action((manifests: string[], opts: TestOptions) => ctx.setExit(runTest(manifests, opts, ctx)));
}
