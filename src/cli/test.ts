// `migrate test MANIFEST...`: run kaptest manifests through the VAP engine and print the shared result contract (and
// CEL cost warnings on stderr).
import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { summarize, renderText, type CaseResult } from "../equivalence/contract.js";
import { KaptestError, parseManifest, runKaptest } from "../equivalence/kaptest.js";
import { parseKyvernoDocuments } from "../../converters/kyverno/parse.js";
import { replayKyvernoSuite } from "../../converters/kyverno/replay.js";
import { isKyvernoTest, loadKyvernoSuite } from "../../converters/kyverno/testsuite.js";
import { InputError, type LoadedDoc } from "../input/yaml.js";
import { validatePolicy } from "../vap/compilepolicy.js";
import type { ValidatingAdmissionPolicy } from "../vap/types.js";
import { EXIT, expandPaths, loadAuthz, outputFormatOk, printCostWarnings, readDocuments, reportInputError, type CommandContext } from "./shared.js";

interface TestOptions {
  output: string;
  kaptestCompat?: boolean;
  authz?: string;
  verbose?: boolean;
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

export function runTest(manifests: string[], opts: TestOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["text", "json"], ctx.io)) return EXIT.badInput;
  const all: CaseResult[] = [];
  let errors = 0;
  try {
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
    .description("Run kaptest manifests through the VAP engine with real API-server semantics")
    .argument("<manifests...>", "kaptest manifest files (or directories of them)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--kaptest-compat", "evaluate as kaptest does: ignore matchConstraints and failurePolicy")
    .option("--authz <file>", "authorization table for `authorizer` checks")
    .option("-v, --verbose", "print messages for passing cases too")
    .addHelpText(
      "after",
      `
Examples:
  migrate test policy.test/kaptest.yaml
  migrate test policy.test/kaptest.yaml -o json
  migrate test policy.test/kaptest.yaml --kaptest-compat

A case whose expectation holds only because kaptest ignores matchConstraints fails with that reason
unless --kaptest-compat is given. Exit codes: 0 all cases pass, 1 a case failed, 2 bad input.`,
    )
    .action((manifests: string[], opts: TestOptions) => ctx.setExit(runTest(manifests, opts, ctx)));
}
