// Running a Gatekeeper template + constraint on a review with an injected Rego evaluator, the way the constraint
// framework does it (frameworks client.Review → template operations (webhook only) → scoped enforcement points →
// constraint match → Rego driver query), and replaying gator suites into CaseResult rows.
//
// Gatekeeper behaviour mirrored here:
//  * `targets[].operations` filter templates only at the webhook enforcement point (validation.gatekeeper.sh);
//    gator and audit evaluate every template whatever the operation (client.go Review).
//  * `enforcementAction: scoped` constraints run only at the enforcement points their scopedEnforcementActions name
//    (or `*`); gator is `gator.gatekeeper.sh` (constraint_client.go matches). Otherwise the action is not looked at:
//    gator reports `dryrun` / `warn` violations like `deny` ones.
//  * A match that cannot be decided (namespaceSelector without the Namespace, request without objects) is an
//    "autoreject": one violation whose msg is the error (constraint_client.go, client.go).
//  * Each element of the template's `violation` set with a `msg` becomes one violation: the hook module builds
//    {key, details: object.get(r, "details", {}), msg: r.msg} in a set, so an element without msg is dropped and
//    elements differing only in other fields collapse (drivers/rego/rego.go hookModuleRego).
//  * A Rego evaluation error becomes one violation whose msg is the error text (drivers/rego/driver.go Query).
import type { CaseResult, Verdict } from "../../../src/equivalence/contract.js";
import { InputError } from "../../../src/input/yaml.js";
import type { JSONValue, KObject } from "../../../src/vap/types.js";
import { matchConstraint } from "./match.js";
import { checkConstraintForTemplate, constraintParameters, regoModules, templateEngine, type Constraint, type ConstraintTemplate } from "./model.js";
import { gatorReview, inventoryData, namespaceFromInventory, regoInput, reviewMatchRequest, reviewResource, ReviewError, type GkReview, type Inventory } from "./review.js";
import { assertionsHold, expectedVerdict, loadCaseInventory, loadCaseObject, readConstraintFile, readSuite, readTemplateFile, type GatorCase, type GatorSuite, type GatorTest } from "./suite.js";

/** One Rego module handed to the evaluator. */
export interface RegoModuleInput {
  text: string;
  file: string;
  /** Add to a line inside `text` (1-based) to get the line in `file`. */
  lineOffset: number;
  version: "v0" | "v1";
  /** The template module (declares `violation`; Gatekeeper evaluates it as `data.template`) or a lib. */
  role: "template" | "lib";
}

/**
 * Evaluates the template: compile `modules`, then return the elements of the template module's `violation` set
 * for `input` / `data` (each as `{msg, details?}`; elements without a string msg should be left out, a non-string
 * msg is an error in Gatekeeper). Compile errors should be thrown with a `code` starting with `rego_` (they fail
 * the template, not the object); other errors become a violation, as in Gatekeeper.
 */
export type RegoEval = (modules: RegoModuleInput[], input: { review: GkReview; parameters: JSONValue }, data: { inventory: Inventory }) => { msg: string; details?: unknown }[];

export interface GatekeeperViolation {
  msg: string;
  /** `details` of the violation; `{}` when the rule gave none (Gatekeeper's default). */
  details: unknown;
  constraint: { kind: string; name: string };
  enforcementAction: string;
  /** Set when the constraint's match could not be decided (Gatekeeper's autoreject). */
  autoreject?: true;
  /** Set when the msg is a Rego evaluation error. */
  evalError?: true;
}

/** The template could not be used (no Rego, or the evaluator reported a compile error). */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

export const GATOR_ENFORCEMENT_POINT = "gator.gatekeeper.sh";
export const WEBHOOK_ENFORCEMENT_POINT = "validation.gatekeeper.sh";
export const AUDIT_ENFORCEMENT_POINT = "audit.gatekeeper.sh";

export interface ViolationOptions {
  /** Where the review happens; default gator.gatekeeper.sh. */
  enforcementPoint?: string;
  /**
   * The Namespace object the matcher uses. Undefined: gator's lookup in the inventory (Namespace v1 named
   * request.namespace); null: none.
   */
  namespaceObject?: KObject | null;
}

/** The modules of a template's Rego code as the evaluator gets them. */
export function templateRegoModules(t: ConstraintTemplate): RegoModuleInput[] {
  const r = regoModules(t);
  if (!r) throw new TemplateError(`template ${t.name} has no Rego source`);
  return r.modules.map((m) => ({ text: m.text, file: m.file, lineOffset: m.line - 1, version: r.version, role: m.role }));
}

/** Does the template's `operations` list admit this operation (templateClient.MatchesOperation)? */
export function templateMatchesOperation(t: ConstraintTemplate, operation: string): boolean {
  if (t.targets.length !== 1) return true;
  const ops = t.targets[0]!.operations;
  if (!ops?.length) return true;
  return ops.some((o) => o === operation || o === "*");
}

/** Does a constraint run at this enforcement point (scoped constraints only where their actions say)? */
export function constraintRunsAt(c: Constraint, enforcementPoint: string): boolean {
  if (c.enforcementAction !== "scoped") return true;
  return (c.scopedEnforcementActions ?? []).some((s) => s.enforcementPoints.some((ep) => ep === "*" || ep === enforcementPoint));
}

const canonical = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
};

/**
 * The violations Gatekeeper reports for one constraint on one review. `inventoryObjects` fill data.inventory
 * (and, for gator, the Namespace lookup). Throws TemplateError when the template cannot be evaluated and Error
 * when a violation's msg is not a string (Gatekeeper fails the whole review).
 */
export function gatekeeperViolations(
  template: ConstraintTemplate,
  constraint: Constraint,
  review: GkReview,
  inventoryObjects: readonly KObject[],
  regoEval: RegoEval,
  opts: ViolationOptions = {},
): GatekeeperViolation[] {
  const ep = opts.enforcementPoint ?? GATOR_ENFORCEMENT_POINT;
  if (ep === WEBHOOK_ENFORCEMENT_POINT && !templateMatchesOperation(template, review.operation)) return [];
  if (!constraintRunsAt(constraint, ep)) return [];
  const base = { constraint: { kind: constraint.kind, name: constraint.name }, enforcementAction: constraint.enforcementAction };

  const ns = opts.namespaceObject === undefined ? namespaceFromInventory(review, inventoryObjects) : (opts.namespaceObject ?? undefined);
  const m = matchConstraint(constraint.match, reviewMatchRequest(review), ns);
  if (m.error !== undefined) return [{ ...base, msg: `unable to match constraints: ${m.error}`, details: {}, autoreject: true }];
  if (!m.matched) return [];

  const modules = templateRegoModules(template);
  const input = regoInput(review, constraintParameters(constraint, template));
  let raw: { msg: string; details?: unknown }[];
  try {
    raw = regoEval(modules, input, { inventory: inventoryData(inventoryObjects) });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("rego_")) throw new TemplateError(`invalid ConstraintTemplate: ${(e as Error).message}`);
    return [{ ...base, msg: (e as Error).message, details: {}, evalError: true }];
  }
  const seen = new Set<string>();
  const out: GatekeeperViolation[] = [];
  for (const r of raw) {
    if (r.msg === undefined) continue;
    if (typeof r.msg !== "string") throw new Error(`extracting message binding: .msg accessor error: ${JSON.stringify(r.msg)} is of the type ${typeof r.msg}, expected string`);
    const details = r.details === undefined ? {} : r.details;
    const key = canonical({ msg: r.msg, details });
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...base, msg: r.msg, details });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Suite replay

export interface GatorCaseRow extends CaseResult {
  test: string;
  /** Case name ("" for the row of an `invalid: true` test). */
  case: string;
  objectFile: string | null;
  objectLine?: number;
  violations: GatekeeperViolation[];
  /** gator's verdict on the case: every assertion holds and nothing failed (same as `pass`). */
  assertionsPass: boolean;
  /** The engine gator itself would run this template with (CEL wins when present). */
  gatorEngine: "Rego" | "K8sNativeValidation" | null;
  skipped: boolean;
}

export interface RunSuiteOptions {
  /** gator's --enable-k8s-native-validation (default true): only affects the reported `gatorEngine`. */
  k8sNativeValidation?: boolean;
  /** Run only the cases this accepts (gator's --run); others are reported skipped. */
  filter?: (test: string, kase: string) => boolean;
}

const errText = (e: unknown): string => (e instanceof InputError || e instanceof ReviewError || e instanceof TemplateError ? e.message : e instanceof Error ? e.message : String(e));

function row(suite: GatorSuite, t: GatorTest, c: GatorCase | undefined, fields: Partial<GatorCaseRow>): GatorCaseRow {
  const r: GatorCaseRow = {
    suite: suite.file,
    policy: "",
    binding: null,
    resource: "",
    operation: "-",
    expected: c ? expectedVerdict(c.assertions) : null,
    vap: "error",
    pass: false,
    messages: [],
    reason: null,
    cost: 0,
    test: t.name,
    case: c?.name ?? "",
    objectFile: c?.object || null,
    violations: [],
    assertionsPass: false,
    gatorEngine: null,
    skipped: false,
    ...fields,
  };
  if (r.objectFile) r.file = r.objectFile;
  return r;
}

const skipRow = (suite: GatorSuite, t: GatorTest, c: GatorCase | undefined, why: string): GatorCaseRow =>
  row(suite, t, c, { expected: "skip", vap: "skip", pass: true, assertionsPass: true, skipped: true, reason: why });

/**
 * Replay a gator suite with the Rego evaluator: one row per case (skipped ones included), with gator's verdict on
 * the case in `pass`. `vap` carries the Rego run's verdict ("deny" when there is any violation — gator ignores
 * enforcementAction — "admit" when none, "error" when the case could not run). A file that is not a Suite gives [].
 */
export function runSuite(suiteFile: string, regoEval: RegoEval, opts: RunSuiteOptions = {}): GatorCaseRow[] {
  const suite = readSuite(suiteFile);
  if (!suite) return [];
  const rows: GatorCaseRow[] = [];
  for (const t of suite.tests) {
    const cases = t.cases;
    if (suite.skip || t.skip) {
      const why = suite.skip ? "suite skipped" : "test skipped";
      rows.push(...(cases.length ? cases.map((c) => skipRow(suite, t, c, why)) : [skipRow(suite, t, undefined, why)]));
      continue;
    }
    let template: ConstraintTemplate | undefined;
    let constraint: Constraint | undefined;
    let testError: string | null = null;
    try {
      if (!t.template) throw new InputError("invalid Suite: missing template", suite.file, t.line);
      template = readTemplateFile(t.template);
      if (!t.constraint) throw new InputError("invalid Suite: missing constraint", suite.file, t.line);
      constraint = readConstraintFile(t.constraint);
      checkConstraintForTemplate(constraint, template);
    } catch (e) {
      testError = errText(e);
    }
    const gatorEngine = template ? (templateEngine(template, { k8sNativeValidation: opts.k8sNativeValidation }) ?? null) : null;
    const common = { policy: template?.name ?? "", binding: constraint?.name ?? null, gatorEngine };

    if (t.invalid) {
      const schemaError = testError !== null && /schema validation failed/.test(testError);
      rows.push(
        row(suite, t, undefined, {
          ...common,
          expected: "error",
          vap: testError !== null ? "error" : "admit",
          pass: schemaError,
          assertionsPass: schemaError,
          reason: schemaError ? null : `constraint should have failed schema validation: got error ${testError ?? "<nil>"} but want schema validation failed`,
        }),
      );
      continue;
    }
    if (testError === null && t.expansion) testError = "expansion templates are not supported";
    for (const c of cases) {
      if (c.skip) {
        rows.push(skipRow(suite, t, c, "case skipped"));
        continue;
      }
      if (opts.filter && !opts.filter(t.name, c.name)) {
        rows.push(skipRow(suite, t, c, "filtered out"));
        continue;
      }
      if (testError !== null) {
        rows.push(row(suite, t, c, { ...common, reason: testError }));
        continue;
      }
      rows.push(runCase(suite, t, c, template!, constraint!, regoEval, common));
    }
  }
  return rows;
}

function runCase(
  suite: GatorSuite,
  t: GatorTest,
  c: GatorCase,
  template: ConstraintTemplate,
  constraint: Constraint,
  regoEval: RegoEval,
  common: Partial<GatorCaseRow>,
): GatorCaseRow {
  let review: GkReview | undefined;
  let objectLine: number | undefined;
  try {
    if (!c.object) throw new InputError("invalid Case: must define object", suite.file, c.line);
    if (!c.assertions.length) throw new InputError("invalid Case: assertions must be non-empty", suite.file, c.line);
    const obj = loadCaseObject(c, suite.file);
    objectLine = obj.line;
    const inventory = loadCaseInventory(c).map((o) => o.object);
    review = gatorReview(obj.object);
    const violations = gatekeeperViolations(template, constraint, review, inventory, regoEval, { enforcementPoint: GATOR_ENFORCEMENT_POINT });
    const verdict: Verdict = violations.length ? "deny" : "admit";
    const a = assertionsHold(c.assertions, violations);
    const notes = violations.filter((v) => v.evalError).map((v) => `Rego evaluation error reported as a violation: ${v.msg}`);
    const reason = [a.reason, ...notes].filter((x): x is string => !!x).join("; ") || null;
    return row(suite, t, c, {
      ...common,
      resource: reviewResource(review),
      operation: review.operation || "-",
      vap: verdict,
      pass: a.pass,
      assertionsPass: a.pass,
      messages: violations.map((v) => v.msg),
      violations,
      reason,
      objectLine,
    });
  } catch (e) {
    const r = row(suite, t, c, { ...common, reason: errText(e) });
    if (review) {
      r.resource = reviewResource(review);
      r.operation = review.operation || "-";
    }
    if (objectLine !== undefined) r.objectLine = objectLine;
    return r;
  }
}
