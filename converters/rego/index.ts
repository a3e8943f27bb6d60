// The Gatekeeper converter behind the converter seam (src/convert/types.ts), so `migrate verify` (and later
// repo/review) take ConstraintTemplates + Constraints: detection, parsing with file:line (constraints paired with
// their template by kind), conversion (./convert/gatekeeper.ts) and replay of plain fixtures through the Rego engine
// as Gatekeeper's webhook runs it (every constraint; a violation denies) beside the converted VAPs.
import type { ConversionStatus, Converter, ConvertResult, ReportGap } from "../../src/convert/types.js";
import { asServed, replayFixtures, replayNamespaces, type ReplayAdapter, type SourceOutcome } from "../../src/equivalence/replay.js";
import { InputError, type LoadedDoc } from "../../src/input/yaml.js";
import type { AdmissionRequest, KObject } from "../../src/vap/types.js";
import { convertTemplate, type GatekeeperConvertOptions } from "./convert/gatekeeper.js";
import { constraintObject } from "./convert/replay.js";
import { RegoError } from "./engine/errors.js";
import { checkConstraintForTemplate, isConstraint, isConstraintTemplate, parseConstraint, parseTemplate, regoModules, templateForConstraint, type Constraint, type ConstraintTemplate } from "./gatekeeper/model.js";
import { regoEngineEval } from "./gatekeeper/rego-eval.js";
import type { GkReview } from "./gatekeeper/review.js";
import { gatekeeperViolations, WEBHOOK_ENFORCEMENT_POINT } from "./gatekeeper/run.js";

/** One template with the constraints of its kind. */
export interface GatekeeperSource {
  template: ConstraintTemplate;
  constraints: Constraint[];
}

function parse(docs: readonly LoadedDoc[]): GatekeeperSource[] {
  const templates = docs.filter((d) => isConstraintTemplate(d.doc)).map((d) => parseTemplate(d));
  const sources: GatekeeperSource[] = templates.map((template) => ({ template, constraints: [] }));
  for (const d of docs.filter((doc) => isConstraint(doc.doc))) {
    const constraint = parseConstraint(d);
    const template = templateForConstraint(constraint, templates);
    if (!template) throw new InputError(`Constraint ${constraint.kind}/${constraint.name}: its ConstraintTemplate "${constraint.kind.toLowerCase()}" is not among the inputs`, constraint.file, constraint.line);
    checkConstraintForTemplate(constraint, template);
    sources.find((s) => s.template === template)!.constraints.push(constraint);
  }
  if (!sources.length) throw new InputError("no ConstraintTemplate found", [...new Set(docs.map((d) => d.file))].join(", "));
  return sources;
}

/** The named gap for a template without Rego (e.g. a K8sNativeValidation-only template). */
function noRego(t: ConstraintTemplate): ConvertResult {
  const cel = t.targets[0]?.cel ? " (its K8sNativeValidation CEL code is not converted yet)" : "";
  const gap: ReportGap = { rule: t.name, reason: `[gatekeeper.no-rego] the template has no Rego to convert${cel}`, line: t.line, file: t.file, id: "gatekeeper.no-rego", effect: "weaker" };
  return { manifests: [], gaps: [gap], status: "unsupported" };
}

/** One template's conversion; a Rego parse or compile error is bad input at its file line. */
function convertGroup(s: GatekeeperSource, opts: GatekeeperConvertOptions): ConvertResult {
  if (!regoModules(s.template)) return noRego(s.template);
  try {
    return convertTemplate(s.template, s.constraints, opts);
  } catch (e) {
    if (!(e instanceof RegoError)) throw e;
    throw new InputError(`ConstraintTemplate "${s.template.name}": ${e.code}: ${e.detail}`, e.loc?.file ?? s.template.file, e.loc?.line ?? s.template.line);
  }
}

function combinedStatus(results: readonly ConvertResult[]): ConversionStatus {
  if (results.every((r) => r.status === "converted")) return "converted";
  if (results.every((r) => r.status === "unsupported")) return "unsupported";
  return "partial";
}

function convert(sources: readonly GatekeeperSource[], opts: GatekeeperConvertOptions): ConvertResult {
  const results = sources.map((s) => convertGroup(s, opts));
  return { manifests: results.flatMap((r) => r.manifests), gaps: results.flatMap((r) => r.gaps), status: combinedStatus(results) };
}

/**
 * Gatekeeper's webhook on a request (as the API server sends it: no JSON nulls): the review is the AdmissionRequest;
 * any violation of any constraint denies, and so does an evaluation error (frameworks
 * constraint/pkg/client/drivers/rego/driver.go turns it into a violation of every constraint of the template).
 */
function gatekeeperAdapter(sources: readonly GatekeeperSource[], namespaces: readonly KObject[]): ReplayAdapter {
  return {
    label: "Gatekeeper",
    inScope: () => null,
    source(admission: AdmissionRequest): SourceOutcome {
      const request = asServed(admission);
      const review = { ...request, namespaceObject: {}, options: request.options ?? null, oldObject: request.oldObject ?? null, object: request.operation === "DELETE" ? (request.oldObject ?? null) : request.object } as unknown as GkReview;
      const messages: string[] = [];
      for (const { template, constraints } of sources) {
        for (const constraint of constraints) {
          const violations = gatekeeperViolations(template, constraint, review, namespaces, regoEngineEval, { enforcementPoint: WEBHOOK_ENFORCEMENT_POINT });
          messages.push(...violations.map((v) => `[${constraint.name}] ${v.msg}`));
        }
      }
      return messages.length ? { verdict: "deny", reason: messages.join("; ") } : { verdict: "admit" };
    },
  };
}

export const gatekeeperConverter: Converter<GatekeeperSource, GatekeeperConvertOptions> = {
  id: "gatekeeper",
  label: "ConstraintTemplates (constraints)",
  names: (sources) => sources.map((s) => `${s.template.name} (${s.constraints.map((c) => c.name).join(", ") || "none"})`),
  detect: (doc) => isConstraintTemplate(doc) || isConstraint(doc),
  parse,
  convert,
  replay({ sources, manifests, fixtures, authz, suite, namespaces: given }) {
    // the cluster's Namespaces (namespaceSelector): the given ones, else the Namespace objects among the fixtures
    const namespaces = replayNamespaces(given, fixtures);
    // the VAPs of --params constraint take the Constraints as params, as the cluster would hold them
    const params = sources.flatMap((s) => s.constraints.map((c) => constraintObject(c, s.template)));
    return replayFixtures(gatekeeperAdapter(sources, namespaces), { manifests: [...manifests, ...params], fixtures, namespaces, ...(authz ? { authz } : {}), ...(suite ? { suite } : {}) });
  },
};
