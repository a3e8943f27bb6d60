// Running one suite file of any kind we know — a kaptest manifest (VAP engine), a `kyverno test` suite or a gator
// Suite (source engine and converted VAP side by side) — into result-contract rows. Shared by `migrate test` and
// repo mode; reads the suite and the files it names.
import { dirname, resolve } from "node:path";
import { parseKyvernoDocuments } from "../../converters/kyverno/parse.js";
import { replayKyvernoSuite } from "../../converters/kyverno/replay.js";
import { isKyvernoTest, loadKyvernoSuite } from "../../converters/kyverno/testsuite.js";
import { replayGatorSuite } from "../../converters/rego/convert/replay.js";
import { RegoError } from "../../converters/rego/engine/errors.js";
import { TemplateError } from "../../converters/rego/gatekeeper/run.js";
import { isGatorSuite } from "../../converters/rego/gatekeeper/suite.js";
import type { AuthzDecide } from "../cel/k8s/authz.js";
import { readDocuments } from "../cli/io.js";
import { InputError, type LoadedDoc } from "../input/yaml.js";
import { validatePolicy } from "../vap/compilepolicy.js";
import type { ValidatingAdmissionPolicy } from "../vap/types.js";
import type { CaseResult } from "./contract.js";
import { checkInputObjects } from "../vap/validate-input.js";
import { KaptestError, parseManifest, runKaptest } from "./kaptest.js";

export type SuiteKind = "kyverno" | "gator" | "kaptest";

export interface SuiteRunOptions {
  /** Gator suites: how templates are converted (as `migrate gatekeeper --params`). */
  params: "inline" | "constraint";
  kaptestCompat?: boolean;
  authorizer?: AuthzDecide;
}

export interface SuiteRun {
  kind: SuiteKind;
  cases: CaseResult[];
  /** Cases that could not be run (kaptest: missing objects). */
  errors: number;
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

/** A kaptest manifest by its shape (it has no kind): policies and test suites. */
export function isKaptestManifest(doc: unknown): boolean {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return false;
  const o = doc as Record<string, unknown>;
  return o["kind"] === undefined && ("policies" in o || "validatingAdmissionPolicies" in o) && ("vapTestSuites" in o || "testSuites" in o || "mapTestSuites" in o);
}

/** The suite kind of a file's documents, undefined for anything else (a kaptest manifest is the fallback). */
export function suiteKindOf(docs: readonly LoadedDoc[]): "kyverno" | "gator" | undefined {
  if (docs.length === 1 && isKyvernoTest(docs[0]!.doc)) return "kyverno";
  if (docs.length >= 1 && isGatorSuite(docs[0]!.doc)) return "gator";
  return undefined;
}

/** Run one suite file; bad input (unreadable files, a malformed manifest) is an InputError with file:line. */
export function runSuiteFile(file: string, opts: SuiteRunOptions): SuiteRun {
  const docs = readDocuments([file]);
  const kind = suiteKindOf(docs);
  if (kind === "kyverno") {
    // a `kyverno test` suite: the Kyverno engine and the converted VAP side by side, per case
    const suite = loadKyvernoSuite(file);
    const policies = parseKyvernoDocuments(readDocuments(suite.policyFiles), { ignoreOtherKinds: true });
    return { kind, cases: replayKyvernoSuite(suite, policies), errors: 0 };
  }
  // a gator suite (gator reads only its first document): the Rego engine and the converted VAP, per case
  if (kind === "gator") return { kind, cases: replayGator(file, opts.params), errors: 0 };
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
  const resourceDocs = readDocuments(m.resources.map((p) => resolve(base, p)));
  // what the API server would refuse is bad input, not a case (compile errors stay per policy: kaptest expects them)
  checkInputObjects([...policyDocs, ...resourceDocs]);
  const r = runKaptest(file, m, policyDocs.map((d) => d.doc), resourceDocs.map((d) => d.doc), {
    compat: !!opts.kaptestCompat,
    compileIssues: policyCompileIssues(policyDocs),
    ...(opts.authorizer ? { authorizer: opts.authorizer } : {}),
  });
  return { kind: "kaptest", cases: r.cases, errors: r.errors };
}
