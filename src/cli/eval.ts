// `migrate eval FILE... --request REQUEST.yaml`: decide one admission request offline with the VAP engine.
import { InputError, type LoadedDoc } from "../input/yaml.js";
import { validatePolicy } from "../vap/compilepolicy.js";
import { checkInputObjects, checkRequestDocument, parseFieldPath } from "../vap/validate-input.js";
import { evaluate } from "../vap/engine.js";
import { applyMutatingPolicies } from "../vap/mutating.js";
import { requestFromDocument, splitDocuments } from "../vap/load.js";
import type { AdmissionRequest, Decision, KObject, ValidatingAdmissionPolicy } from "../vap/types.js";
import { displayName } from "./io.js";
import { EXIT, loadAuthz, outputFormatOk, readDocuments, reportInputError, type CommandContext } from "./shared.js";

export interface EvalOptions {
  request: string;
  output: string;
  authz?: string;
}

/** A policy expression that does not compile; the message already carries file:line for every issue. */
export class PolicyCompileError extends InputError {
  constructor(text: string, file: string) {
    super(text, file);
    this.message = text;
  }
}

/**
 * Validate every object as the API server would (checkInputObjects), then compile every policy up front; either
 * failure is bad input (exit 2), each issue naming file:line, object, field (and column for CEL).
 */
export function checkPolicies(docs: readonly LoadedDoc[]): void {
  checkInputObjects(docs, { compileMutating: true });
  for (const d of docs) {
    const o = d.doc as KObject;
    if (!o || typeof o !== "object" || o.kind !== "ValidatingAdmissionPolicy" || !String(o.apiVersion ?? "").startsWith("admissionregistration.k8s.io/")) continue;
    const pol = o as ValidatingAdmissionPolicy;
    const issues = validatePolicy(pol, d.file);
    if (issues.length) {
      const msgs = issues.map((i) => {
        const path = parseFieldPath(i.field);
        const line = d.fieldLineOf ? d.fieldLineOf(path) : d.line;
        return `${d.file}:${line}: ValidatingAdmissionPolicy ${i.policy}: ${i.field}: column ${i.column}${i.line > 1 ? ` of expression line ${i.line}` : ""}: ${i.message}`;
      });
      throw new PolicyCompileError(msgs.join("\n"), d.file);
    }
  }
}

export function renderDecision(d: Decision): string {
  const lines = [`verdict: ${d.verdict}`];
  for (const r of d.results) {
    const who = `${r.policy}${r.binding ? ` (binding ${r.binding})` : ""}${r.params ? ` [params ${r.params}]` : ""}`;
    lines.push(`  ${r.verdict.toUpperCase()}: ${who}${r.skipReason ? ` — ${r.skipReason}` : ""}`);
    for (const m of r.messages) lines.push(`    message: ${m}`);
    for (const w of r.warnings) lines.push(`    warning: ${w}`);
    for (const [k, v] of Object.entries(r.auditAnnotations)) lines.push(`    audit: ${k}=${v}`);
  }
  if (d.apiError) lines.push(`error: ${d.apiError.message} (${d.apiError.code} ${d.apiError.reason})`);
  return lines.join("\n") + "\n";
}

export function runEval(files: string[], opts: EvalOptions, ctx: CommandContext): number {
  if (!outputFormatOk(opts.output, ["text", "json"], ctx.io)) return EXIT.badInput;
  let decision: Decision;
  let mutated: KObject | undefined;
  let mutationError: string | undefined;
  try {
    const docs = readDocuments(files);
    checkPolicies(docs);
    const state = splitDocuments(docs.map((d) => d.doc));
    const reqDocs = readDocuments([opts.request]);
    const requestName = displayName(opts.request);
    if (reqDocs.length !== 1) throw new InputError(`expected exactly one request document, found ${reqDocs.length}`, requestName);
    checkRequestDocument(reqDocs[0]!);
    let request: AdmissionRequest;
    try {
      request = requestFromDocument(reqDocs[0]!.doc, { crds: state.crds });
    } catch (e) {
      throw new InputError((e as Error).message, requestName, reqDocs[0]!.line);
    }
    const authorizer = loadAuthz(opts.authz);
    // MutatingAdmissionPolicies among the inputs run first, as the API server's mutating stage does.
    if (state.mutatingPolicies.length && request.object) {
      const m = applyMutatingPolicies({ policies: state.mutatingPolicies, bindings: state.mutatingBindings, params: state.params, namespaces: state.namespaces, crds: state.crds, request, ...(authorizer ? { authorizer } : {}) });
      if (m.error !== undefined) {
        mutationError = m.error;
      } else if (m.object && m.results.some((r) => r.verdict === "mutate")) {
        // "mutated" only when a policy changed the object (a MAP that matched but patched nothing did not)
        mutated = m.object;
        request = { ...request, object: m.object };
      }
    }
    decision = mutationError !== undefined
      ? { verdict: "error", results: [], messages: [mutationError], warnings: [], apiError: { message: mutationError, code: 500, reason: "InternalError" }, cost: 0 }
      : evaluate({ ...state, request, ...(authorizer ? { authorizer } : {}) });
  } catch (e) {
    return reportInputError(e, ctx.io);
  }
  if (opts.output === "json") {
    ctx.io.out(JSON.stringify({ verdict: decision.verdict, results: decision.results, messages: decision.messages, warnings: decision.warnings, apiError: decision.apiError, cost: decision.cost, ...(mutated ? { mutatedObject: mutated } : {}) }, null, 2) + "\n");
  } else ctx.io.out(renderDecision(decision) + (mutated ? "mutated by MutatingAdmissionPolicies before validation\n" : ""));
  return decision.verdict === "deny" || decision.verdict === "error" ? EXIT.failed : EXIT.ok;
}
