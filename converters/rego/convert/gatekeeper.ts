// Gatekeeper ConstraintTemplate (Rego) + Constraints → ValidatingAdmissionPolicy + bindings. `--params inline`
// (the default): one self-contained VAP per constraint, its parameters folded in as constants and its `spec.match`
// as the policy's match. Each `violation` body becomes one validation (`!exists(bindings: body)`); a body that
// cannot be expressed is a named `weaker` gap on that rule (the VAP lacks it), never dropped silently.
import type { CompiledProgram } from "../engine/compile.js";
import { compileTemplate } from "../gatekeeper/rego-eval.js";
import { constraintParameters, type Constraint, type ConstraintMatch, type ConstraintTemplate } from "../gatekeeper/model.js";
import { templateRegoModules } from "../gatekeeper/run.js";
import { fromJSON } from "../value.js";
import { V, type Json, type KindMatch, type Match, type Operation, type Pred, type Rule } from "../../../src/ir/model.js";
import type { CommonConvertOptions, ConvertResult, ReportGap } from "../../../src/convert/types.js";
import { buildVap, buildVapBinding, type ValidationAction } from "../../../src/vap/build.js";
import { emitEntryRules, entryRules } from "./entry.js";
import { GATEKEEPER_MATCH_CONDITIONS } from "./match-conditions.js";
import { NamedValues } from "./named.js";
import type { ParamsSource } from "./sym.js";

export interface GatekeeperConvertOptions extends CommonConvertOptions {
  params?: "inline" | "constraint";
}

const LABELS = { "app.kubernetes.io/managed-by": "vap-migrate" };

/** One VAP (+ binding) per constraint of the template. */
export function convertTemplate(template: ConstraintTemplate, constraints: readonly Constraint[], opts: GatekeeperConvertOptions): ConvertResult {
  const gaps: ReportGap[] = [];
  const modules = templateRegoModules(template);
  if (!modules.length) {
    gaps.push({ rule: template.name, reason: "[gatekeeper.no-rego] the template has no Rego to convert", line: template.line, file: template.file, id: "gatekeeper.no-rego", effect: "weaker" });
    return { manifests: [], gaps, status: "unsupported" };
  }
  const { program, templatePackage } = compileTemplate(modules);
  if (opts.params === "constraint") return convertWithConstraintParams(template, constraints, program, templatePackage, opts, gaps);
  const manifests: object[] = [];
  let converted = 0;
  for (const constraint of constraints) {
    const params: ParamsSource = { k: "known", value: fromJSON(constraintParameters(constraint, template)) };
    const named = new NamedValues();
    const rules = violationRules(program, templatePackage, template, params, gaps, named);
    if (!rules.length) continue;
    const name = `${template.name}-${constraint.name}`.toLowerCase();
    const parts = emitEntryRules(rules, constraintMatch(constraint.match, template), { targetVersion: opts.targetVersion ?? "1.36" }, { file: template.file, gapPrefix: "gatekeeper" }, gaps, undefined, named);
    if (!parts) continue;
    converted++;
    manifests.push(
      buildVap({
        name,
        labels: LABELS,
        annotations: { "vap-migrate.io/gatekeeper-template": template.name, "vap-migrate.io/gatekeeper-constraint": `${constraint.kind}/${constraint.name}` },
        matchConstraints: parts.matchConstraints,
        failurePolicy: "Fail",
        matchConditions: parts.matchConditions,
        variables: parts.variables,
        validations: parts.validations,
      }),
      buildVapBinding({ name: `${name}-binding`, policyName: name, actions: opts.actions ?? actionsFor(constraint.enforcementAction), labels: LABELS }),
    );
  }
  const status = converted === 0 ? "unsupported" : gaps.length ? "partial" : "converted";
  return { manifests, gaps: dedupeGaps(gaps), status };
}

/**
 * `--params constraint`: one VAP per template whose params are the Constraint (paramKind = the constraint kind, as
 * Gatekeeper's own generateVAP does, so it can run beside Gatekeeper), the Constraint's match evaluated from params
 * in matchConditions, and one binding per constraint naming it in paramRef (selectors in matchResources).
 */
function convertWithConstraintParams(
  template: ConstraintTemplate,
  constraints: readonly Constraint[],
  program: CompiledProgram,
  templatePackage: readonly string[],
  opts: GatekeeperConvertOptions,
  gaps: ReportGap[],
): ConvertResult {
  const params: ParamsSource = { k: "runtime", val: V.at({ root: { k: "variable", name: "params" }, segs: [] }) };
  const named = new NamedValues();
  const rules = violationRules(program, templatePackage, template, params, gaps, named);
  if (!rules.length) return { manifests: [], gaps, status: "unsupported" };
  const operations = templateOperations(template);
  const paramKind = { apiVersion: "constraints.gatekeeper.sh/v1beta1", kind: template.kind };
  const parameters = V.or(V.at({ root: { k: "params" }, segs: [{ k: "field", name: "spec" }, { k: "field", name: "parameters" }] }), V.lit({}));
  const parts = emitEntryRules(rules, { kinds: [{ group: "*", version: "*", kind: "*" }], operations }, { targetVersion: opts.targetVersion ?? "1.36", variables: [{ name: "params", value: parameters }] }, { file: template.file, gapPrefix: "gatekeeper" }, gaps, paramKind, named);
  if (!parts) return { manifests: [], gaps: dedupeGaps(gaps), status: "unsupported" };
  const name = template.name.toLowerCase();
  const manifests: object[] = [
    buildVap({
      name,
      labels: LABELS,
      annotations: { "vap-migrate.io/gatekeeper-template": template.name },
      matchConstraints: parts.matchConstraints,
      failurePolicy: "Fail",
      paramKind,
      matchConditions: [...GATEKEEPER_MATCH_CONDITIONS, ...parts.matchConditions],
      variables: parts.variables,
      validations: parts.validations,
    }),
    ...constraints.map((constraint) =>
      buildVapBinding({
        name: `${name}-${constraint.name}`.toLowerCase(),
        policyName: name,
        actions: opts.actions ?? actionsFor(constraint.enforcementAction),
        labels: LABELS,
        paramRef: { name: constraint.name, parameterNotFoundAction: "Allow" },
        ...(bindingSelectors(constraint.match) ? { matchResources: bindingSelectors(constraint.match)! } : {}),
      }),
    ),
  ];
  return { manifests, gaps: dedupeGaps(gaps), status: gaps.length ? "partial" : "converted" };
}

/** A constraint's label and namespace selectors as a binding's matchResources. */
function bindingSelectors(match: ConstraintMatch | undefined): { [key: string]: Json } | undefined {
  if (!match?.labelSelector && !match?.namespaceSelector) return undefined;
  return {
    ...(match.namespaceSelector ? { namespaceSelector: match.namespaceSelector as unknown as Json } : {}),
    ...(match.labelSelector ? { objectSelector: match.labelSelector as unknown as Json } : {}),
  };
}

function templateOperations(template: ConstraintTemplate): Operation[] {
  const operations = (template.targets[0]?.operations ?? ["CREATE", "UPDATE"]).filter((op): op is Operation => ["CREATE", "UPDATE", "DELETE", "CONNECT"].includes(op));
  return operations.length ? operations : ["CREATE", "UPDATE"];
}

/** The same gap found for every constraint is reported once. */
function dedupeGaps(gaps: readonly ReportGap[]): ReportGap[] {
  const seen = new Set<string>();
  return gaps.filter((gap) => {
    const key = `${gap.rule}\u0000${gap.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function actionsFor(enforcementAction: string): ValidationAction[] {
  switch (enforcementAction) {
    case "warn":
      return ["Warn"];
    case "dryrun":
      return ["Audit"];
    default:
      return ["Deny"];
  }
}

/** One rule per `violation` body of the template module. */
function violationRules(program: CompiledProgram, templatePackage: readonly string[], template: ConstraintTemplate, params: ParamsSource, gaps: ReportGap[], named: NamedValues): Rule[] {
  return entryRules(program, [...templatePackage, "violation"], { params, input: "gatekeeper", named }, { name: template.name, file: template.file, line: template.line, fallbackMessage: `${template.kind} violation`, gapPrefix: "gatekeeper" }, gaps);
}

/** A constraint's `spec.match` as the policy match (inline mode); the template's operations or CREATE/UPDATE. */
function constraintMatch(match: ConstraintMatch | undefined, template: ConstraintTemplate): Match {
  const operations = templateOperations(template);
  const kinds: KindMatch[] = (match?.kinds ?? []).flatMap((entry) =>
    (entry.apiGroups?.length ? entry.apiGroups : ["*"]).flatMap((group) => (entry.kinds?.length ? entry.kinds : ["*"]).map((kind) => ({ group, version: "*", kind }))),
  );
  const out: Match = { kinds: kinds.length ? kinds : [{ group: "*", version: "*", kind: "*" }], operations };
  if (match?.namespaces?.length) out.namespaces = match.namespaces;
  if (match?.excludedNamespaces?.length) out.excludedNamespaces = match.excludedNamespaces;
  if (match?.labelSelector) out.objectSelector = match.labelSelector as Match["objectSelector"];
  if (match?.namespaceSelector) out.namespaceSelector = match.namespaceSelector as Match["namespaceSelector"];
  if (match?.name) out.names = [match.name];
  return out;
}

export type { Pred };
