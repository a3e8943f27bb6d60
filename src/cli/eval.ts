// `migrate eval FILE... --request REQUEST.yaml`: decide one admission request offline with the VAP engine.
import type { Command } from "commander";
import { InputError, type LoadedDoc } from "../input/yaml.js";
import { validatePolicy } from "../vap/compilepolicy.js";
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

/** The expression lists of a policy's spec and their string fields: a wrong type there is bad input, located. */
const SPEC_LISTS: Readonly<Record<string, readonly string[]>> = {
  validations: ["expression", "message", "messageExpression", "reason"],
  matchConditions: ["name", "expression"],
  variables: ["name", "expression"],
  auditAnnotations: ["key", "valueExpression"],
};

/** Refuse a policy whose expression lists are not lists of objects with string fields (before compiling it). */
function checkShape(pol: ValidatingAdmissionPolicy, d: LoadedDoc): void {
  const spec = pol.spec as unknown as Record<string, unknown>;
  const at = (path: (string | number)[]): number => (d.lineOf ? d.lineOf(path) : d.line);
  const name = String(pol.metadata?.name);
  for (const [list, fields] of Object.entries(SPEC_LISTS)) {
    const v = spec[list];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) throw new InputError(`ValidatingAdmissionPolicy ${name}: spec.${list} must be a list`, d.file, at(["spec", list]));
    v.forEach((item: unknown, i) => {
      if (!item || typeof item !== "object" || Array.isArray(item)) throw new InputError(`ValidatingAdmissionPolicy ${name}: spec.${list}[${i}] must be an object`, d.file, at(["spec", list, i]));
      for (const f of fields) {
        const x = (item as Record<string, unknown>)[f];
        if (x !== undefined && x !== null && typeof x !== "string") throw new InputError(`ValidatingAdmissionPolicy ${name}: spec.${list}[${i}].${f} must be a string`, d.file, at(["spec", list, i, f]));
      }
    });
  }
}

/** Compile every policy up front; a compile error is bad input (exit 2) naming file, policy, field and column. */
export function checkPolicies(docs: readonly LoadedDoc[]): void {
  for (const d of docs) {
    const o = d.doc as KObject;
    if (!o || typeof o !== "object" || o.kind !== "ValidatingAdmissionPolicy" || !String(o.apiVersion ?? "").startsWith("admissionregistration.k8s.io/")) continue;
    const pol = o as ValidatingAdmissionPolicy;
    if (!pol.metadata?.name) throw new InputError("ValidatingAdmissionPolicy without metadata.name", d.file, d.line);
    if (!pol.spec || typeof pol.spec !== "object") throw new InputError(`ValidatingAdmissionPolicy ${pol.metadata.name}: missing spec`, d.file, d.line);
    checkShape(pol, d);
    const issues = validatePolicy(pol, d.file);
    if (issues.length) {
      const msgs = issues.map((i) => {
        const path = i.field.split(/\.|\[|\]/).filter((x) => x !== "").map((x) => (/^\d+$/.test(x) ? Number(x) : x));
        const line = d.lineOf ? d.lineOf(path) : d.line;
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
    .action((files: string[], opts: EvalOptions) => ctx.setExit(runEval(files, opts, ctx)));
}
