// `migrate test MANIFEST...`: run kaptest manifests through the VAP engine — and `kyverno test` suites / gator
// suites through their source engine and the converted VAP — and print the shared result contract (and CEL cost
// warnings on stderr). The suites themselves run in src/equivalence/suites.ts. Exit 1 when a case fails, else 3 when
// a kyverno/gator suite replayed a policy that did not convert exactly (its rows' `conversion`), else 0.
import { statSync } from "node:fs";
import { summarize, renderText, type CaseResult } from "../equivalence/contract.js";
import { isKaptestManifest, runSuiteFile, suiteKindOf } from "../equivalence/suites.js";
import { InputError } from "../input/yaml.js";
import { STDIN } from "./io.js";
import { EXIT, expandPaths, loadAuthz, outputFormatOk, printCostWarnings, readDocuments, reportInputError, type CommandContext } from "./shared.js";

export interface TestOptions {
  output: string;
  kaptestCompat?: boolean;
  authz?: string;
  verbose?: boolean;
  params?: string;
}

/** The conversion status of a kyverno/gator suite row when it is not exact (partial, unsupported); kaptest rows
 *  carry no conversion. */
function inexactConversion(row: CaseResult): string | undefined {
  return "conversion" in row && typeof row.conversion === "string" && row.conversion !== "converted" ? row.conversion : undefined;
}

/**
 * The suite files of the arguments: a file named on the command line is taken as it is (and must be a suite); a
 * directory contributes only its suites — kyverno tests, gator Suites and kaptest manifests — not the policies and
 * resources beside them (kaptest's `<policy>.test/` layout).
 */
function suiteFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      dir = false;
    }
    if (!dir) {
      out.push(...expandPaths([p]));
      continue;
    }
    const found = expandPaths([p]).filter((f) => {
      const docs = readDocuments([f]);
      return suiteKindOf(docs) !== undefined || (docs.length === 1 && isKaptestManifest(docs[0]!.doc));
    });
    if (!found.length) throw new InputError("no kaptest manifest, kyverno test or gator Suite in this directory", p);
    out.push(...found);
  }
  return out;
}

export function runTest(manifests: string[], opts: TestOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["text", "json"], ctx.io)) return EXIT.badInput;
  const all: CaseResult[] = [];
  let errors = 0;
  try {
    const params = opts.params ?? "inline";
    if (params !== "inline" && params !== "constraint") throw new InputError(`--params must be inline or constraint, not ${JSON.stringify(params)}`, "<flags>");
    // a suite names its policies and resources relative to its own file: it cannot come from standard input
    if (manifests.includes(STDIN)) throw new InputError("a test manifest cannot be read from standard input: its files are named relative to it; give its path", "<stdin>");
    const authorizer = loadAuthz(opts.authz);
    for (const file of suiteFiles(manifests)) {
      const kind = suiteKindOf(readDocuments([file]));
      ctx.io.err(`running ${file}${kind === "kyverno" ? " (kyverno test)" : kind === "gator" ? " (gator suite)" : ""}\n`);
      const run = runSuiteFile(file, { params, kaptestCompat: !!opts.kaptestCompat, ...(authorizer ? { authorizer } : {}) });
      all.push(...run.cases);
      errors += run.errors;
    }
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  if (!all.length) {
    // zero cases is never a pass: a suite that tests nothing (or a folder without suites) is bad input
    ctx.io.err(`error: ${manifests.join(", ")}: no test cases found\n`);
    return EXIT.badInput;
  }
  const report = summarize(all, errors);
  printCostWarnings(report.cases, ctx.io);
  // one note per suite policy whose conversion has gaps (the rows carry its status, `migrate verify` lists the gaps)
  const inexact = new Map<string, string>();
  for (const row of all) {
    const status = inexactConversion(row);
    if (status) inexact.set(`${row.suite}: ${row.policy}`, status);
  }
  for (const [policy, status] of inexact) ctx.io.err(`note: ${policy} converted ${status} (with gaps)\n`);
  ctx.io.out(opts.output === "json" ? JSON.stringify(report, null, 2) + "\n" : renderText(report, !!opts.verbose));
  return report.summary.failed ? EXIT.failed : inexact.size ? EXIT.gaps : EXIT.ok;
}
