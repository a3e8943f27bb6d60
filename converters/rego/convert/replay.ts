// Replaying gator suites on both sides: each case through the Rego engine (gator's judgement of the case) and
// through the VAP engine on the VAP converted for that template + constraint, in the shared result contract
// (`expected` from the assertions, `source` the Rego verdict, `vap` the converted policy's, `conversion` the
// template's status). The VAP sees a plain object as a CREATE and an AdmissionReview as its request.
import type { ConvertResult } from "../../../src/convert/types.js";
import type { CaseResult, Verdict } from "../../../src/equivalence/contract.js";
import { evaluate } from "../../../src/vap/engine.js";
import { requestFromDocument } from "../../../src/vap/load.js";
import type { KObject, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../../../src/vap/types.js";
import { constraintParameters, type Constraint, type ConstraintTemplate } from "../gatekeeper/model.js";
import { regoEngineEval } from "../gatekeeper/rego-eval.js";
import { runSuite, type GatorCaseRow } from "../gatekeeper/run.js";
import { loadCaseInventory, loadCaseObject, readConstraintFile, readSuite, readTemplateFile } from "../gatekeeper/suite.js";
import { convertTemplate, type GatekeeperConvertOptions } from "./gatekeeper.js";

export interface GatorReplayRow extends CaseResult {
  test: string;
  case: string;
  conversion: ConvertResult["status"];
}

/** The converted VAP's verdict on one case object (bindings forced to Deny, as a test run does). */
export function vapVerdict(converted: ConvertResult, objectDoc: unknown, inventory: readonly KObject[], params: readonly KObject[] = []): { vap: Verdict; messages: string[]; cost: number } {
  if (!converted.manifests.length) return { vap: "error", messages: [], cost: 0 };
  const policies = converted.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy[];
  const bindings = (converted.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[]).map((b) => ({ ...b, spec: { ...b.spec, validationActions: ["Deny" as const] } }));
  const request = requestFromDocument(objectDoc);
  const namespaces = inventory.filter((o) => o.kind === "Namespace");
  const ns = request.namespace;
  const withOwn = ns && !namespaces.some((n) => n.metadata?.name === ns) ? [...namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "kubernetes.io/metadata.name": ns } } }] : namespaces;
  const decision = evaluate({ policies, bindings, namespaces: withOwn, params, request });
  return { vap: decision.verdict, messages: decision.messages, cost: decision.cost };
}

/** The Constraint as the API server stores it (schema defaults applied to its parameters): the VAP's params. */
export function constraintObject(constraint: Constraint, template: ConstraintTemplate): KObject {
  const doc = constraint.doc.doc as KObject & { spec?: Record<string, unknown> };
  return { ...doc, spec: { ...(doc.spec ?? {}), parameters: constraintParameters(constraint, template) } } as KObject;
}

/** Every case of a gator suite on both sides. */
export function replayGatorSuite(suiteFile: string, opts: GatekeeperConvertOptions = {}): GatorReplayRow[] {
  const suite = readSuite(suiteFile);
  if (!suite) return [];
  const sourceRows = runSuite(suiteFile, regoEngineEval);
  const conversions = new Map<string, ConvertResult>();
  const convertFor = (template: ConstraintTemplate, constraint: Constraint): ConvertResult => {
    const key = `${template.file}\u0000${constraint.file}\u0000${constraint.name}`;
    let result = conversions.get(key);
    if (!result) {
      result = convertTemplate(template, [constraint], opts);
      conversions.set(key, result);
    }
    return result;
  };
  const rows: GatorReplayRow[] = [];
  for (const test of suite.tests) {
    let template: ConstraintTemplate | undefined;
    let constraint: Constraint | undefined;
    try {
      template = test.template ? readTemplateFile(test.template) : undefined;
      constraint = test.constraint ? readConstraintFile(test.constraint) : undefined;
    } catch {
      template = undefined;
    }
    for (const kase of test.cases) {
      const source = sourceRows.find((row) => row.test === test.name && row.case === kase.name);
      if (!source || source.skipped) continue;
      rows.push(replayCase(source, template, constraint, kase, convertFor, opts));
    }
  }
  return rows;
}

function replayCase(
  source: GatorCaseRow,
  template: ConstraintTemplate | undefined,
  constraint: Constraint | undefined,
  kase: Parameters<typeof loadCaseObject>[0] & { name: string; inventory: string[] },
  convertFor: (template: ConstraintTemplate, constraint: Constraint) => ConvertResult,
  convertOpts: GatekeeperConvertOptions,
): GatorReplayRow {
  const base = { ...source, source: source.vap, test: source.test, case: source.case };
  if (!template || !constraint) return { ...base, vap: "error", pass: false, reason: source.reason, conversion: "unsupported" };
  const converted = convertFor(template, constraint);
  let vap: Verdict = "error";
  let messages: string[] = [];
  let cost = 0;
  let reason: string | null = null;
  try {
    const object = loadCaseObject(kase);
    const inventory = loadCaseInventory(kase).map((o) => o.object);
    const params = convertOpts.params === "constraint" ? [constraintObject(constraint, template)] : [];
    ({ vap, messages, cost } = vapVerdict(converted, object.object, inventory, params));
  } catch (error) {
    reason = (error as Error).message;
  }
  const expected = source.expected;
  const pass = source.pass && vap === expected;
  if (!pass && !reason) reason = vap !== expected ? `the VAP ${vap === "deny" ? "denies" : vap === "admit" ? "admits" : "errors"} where the suite expects ${expected}` : source.reason;
  return { ...base, vap, messages, cost, pass, reason, conversion: converted.status };
}
