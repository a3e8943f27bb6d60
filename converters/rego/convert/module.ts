// Plain OPA modules → a ValidatingAdmissionPolicy: the entrypoint (`data.k8s.deny`, `data.main.violation`,
// `data.x.warn`) is a partial set whose every element denies (or a complete rule whose value does), over an input
// that is an AdmissionReview (`input.request.object…`) or the manifest itself (conftest's `input.spec…`). The
// source side for replay evaluates the same entrypoint with our Rego engine on the same input.
import type { Module } from "../ast.js";
import { compileModules, evalPath, type Program } from "../engine/index.js";
import { fromJSON, isArray, RObject, RSet } from "../value.js";
import type { CommonConvertOptions, ConvertResult, ReportGap } from "../../../src/convert/types.js";
import type { Verdict } from "../../../src/equivalence/contract.js";
import { requestFromDocument } from "../../../src/vap/load.js";
import { buildVap, buildVapBinding } from "../../../src/vap/build.js";
import { emitEntryRules, entryRules } from "./entry.js";
import { NamedValues } from "./named.js";
import type { InputShape } from "./sym.js";

export interface RegoModuleConvertOptions extends CommonConvertOptions {
  /** `data.<package>.<rule>`. */
  entrypoint: string;
  input: InputShape;
}

const LABELS = { "app.kubernetes.io/managed-by": "vap-migrate" };

/** `data.a.b.deny` → ["a", "b", "deny"]; throws on anything else. */
export function entrypointPath(entrypoint: string): string[] {
  const parts = entrypoint.split(".");
  if (parts[0] !== "data" || parts.length < 2 || parts.some((part) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(part))) {
    throw new Error(`--entrypoint must be a rule path like data.kubernetes.admission.deny, not ${JSON.stringify(entrypoint)}`);
  }
  return parts.slice(1);
}

/** A DNS-1123 name from the entrypoint: `data.kubernetes.admission.deny` → `kubernetes-admission-deny`. */
function policyName(path: readonly string[]): string {
  return path.join("-").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "rego-policy";
}

export function convertModules(modules: readonly Module[], opts: RegoModuleConvertOptions): ConvertResult {
  const path = entrypointPath(opts.entrypoint);
  const program = compileModules(modules);
  const gaps: ReportGap[] = [];
  const file = modules[0]?.file ?? "";
  const named = new NamedValues();
  const rules = entryRules(program, path, { params: { k: "known", value: new RObject() }, input: opts.input, named }, { name: path.join("."), file, line: 1, fallbackMessage: `${opts.entrypoint} denies the request`, gapPrefix: "rego" }, gaps);
  if (!rules.length) return { manifests: [], gaps, status: "unsupported" };
  const name = opts.name ?? policyName(path);
  const parts = emitEntryRules(rules, { kinds: [{ group: "*", version: "*", kind: "*" }], operations: ["CREATE", "UPDATE"] }, { targetVersion: opts.targetVersion ?? "1.36" }, { file, gapPrefix: "rego" }, gaps, undefined, named);
  if (!parts) return { manifests: [], gaps, status: "unsupported" };
  const warns = path[path.length - 1] === "warn";
  const manifests = [
    buildVap({
      name,
      labels: LABELS,
      annotations: { "vap-migrate.io/rego-entrypoint": opts.entrypoint, "vap-migrate.io/rego-input": opts.input },
      matchConstraints: parts.matchConstraints,
      failurePolicy: "Fail",
      matchConditions: parts.matchConditions,
      variables: parts.variables,
      validations: parts.validations,
    }),
    buildVapBinding({ name: `${name}-binding`, policyName: name, actions: opts.actions ?? (warns ? ["Warn"] : ["Deny"]), labels: LABELS }),
  ];
  return { manifests, gaps, status: gaps.length ? "partial" : "converted" };
}

/** The source side: the entrypoint evaluated by our Rego engine on the input built from a fixture document. */
export function moduleVerdict(program: Program, entrypoint: string, shape: InputShape, doc: unknown): { verdict: Verdict; messages: string[] } {
  const request = requestFromDocument(doc);
  const input = shape === "admission" ? { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request } : request.object ?? request.oldObject;
  const value = evalPath(program, entrypointPath(entrypoint), { input: fromJSON(input) });
  const elements = value instanceof RSet ? [...value] : value === undefined || value === false ? [] : isArray(value) ? value : [value];
  return { verdict: elements.length ? "deny" : "admit", messages: elements.map((element) => (typeof element === "string" ? element : element instanceof RObject && typeof element.get("msg") === "string" ? (element.get("msg") as string) : JSON.stringify(element))) };
}
