// One (policy, binding, param) evaluation of the validating plugin (pkg/admission/plugin/policy/validating/
// validator.go Validate, webhook/matchconditions/matcher.go Match) with the runtime cost budgets: matchConditions
// under their own 2.5M budget, validations under 10M, messageExpressions (all of them, in their own composition
// context) under what the validations left, auditAnnotations under a fresh 10M. Running out of budget in the
// validations or auditAnnotations replaces every decision with one error; in the messageExpressions it turns every
// validation without an error of its own into "failed messageExpression: …".
import type { Activation } from "../cel/env.js";
import { typeName } from "../cel/values.js";
import type { CompiledPolicy } from "./compilepolicy.js";
import {
  forInput,
  MATCH_CONDITIONS_COST_BUDGET,
  OUT_OF_BUDGET,
  RUNTIME_CEL_COST_BUDGET,
  type ExprOutcome,
  type FilterExpr,
  type FilterRun,
} from "./filter.js";
import type { FailurePolicy } from "./types.js";

/** One decision of a validator run (PolicyDecision of the plugin). */
export interface PolicyDecision {
  action: "admit" | "deny";
  evaluation: "admit" | "deny" | "error";
  message: string;
  reason?: string;
  index: number;
}

export interface ValidateOutcome {
  /** undefined: matchConditions not met (or errored under Ignore). */
  decisions?: PolicyDecision[];
  auditAnnotations: { key: string; value: string }[];
  auditErrors: string[];
  /** Runtime CEL cost of the evaluation. */
  cost: number;
}

const MAX_MESSAGE_BYTES = 5 * 1024;
/** messageExpressions are compiled and evaluated without the authorizer. */
const NO_AUTHORIZER: Activation = { authorizer: undefined, "authorizer.requestResource": undefined };

type Validation = CompiledPolicy["validations"][number];

export function validate(cp: CompiledPolicy, failurePolicy: FailurePolicy, base: Activation, costs?: Map<string, number>): ValidateOutcome {
  const errorAction: PolicyDecision["action"] = failurePolicy === "Ignore" ? "admit" : "deny";
  const filter = (exprs: readonly (FilterExpr | undefined)[], budget: number, extra: Activation = {}): FilterRun =>
    forInput({ exprs, variables: cp.variables, activation: (variables) => ({ ...base, ...extra, variables }), budget, ...(costs ? { costs } : {}) });
  let cost = 0;
  const failure = (message: string): ValidateOutcome => ({
    decisions: [{ action: errorAction, evaluation: "error", message, index: 0 }],
    auditAnnotations: [],
    auditErrors: [],
    cost,
  });

  if (cp.matchConditions.length) {
    const run = filter(cp.matchConditions, MATCH_CONDITIONS_COST_BUDGET);
    cost += run.cost;
    const m = matchResult(run, failurePolicy);
    if (m === "skip") return { auditAnnotations: [], auditErrors: [], cost };
    if (m !== "match") return failure(m.error);
  }

  const checks = filter(cp.validations, RUNTIME_CEL_COST_BUDGET);
  cost += checks.cost;
  if (!checks.outcomes) return failure(OUT_OF_BUDGET);
  const messages = filter(
    cp.validations.map((v) => v.messageExpression),
    checks.remaining,
    NO_AUTHORIZER,
  );
  cost += messages.cost;
  const decisions = cp.validations.map((v, index) =>
    decide(v, index, checks.outcomes![index]!, messages.outcomes, errorAction),
  );

  const audit = filter(cp.auditAnnotations, RUNTIME_CEL_COST_BUDGET);
  cost += audit.cost;
  if (!audit.outcomes) return failure(OUT_OF_BUDGET);
  return { decisions, ...auditResults(cp, audit.outcomes, failurePolicy), cost };
}

/** matcher.go Match: any false → skip; errors and no false → failurePolicy; a budget error → failurePolicy. */
function matchResult(run: FilterRun, failurePolicy: FailurePolicy): "match" | "skip" | { error: string } {
  if (!run.outcomes) return failurePolicy === "Ignore" ? "skip" : { error: OUT_OF_BUDGET };
  const errors: string[] = [];
  for (const o of run.outcomes) {
    if (!o) continue;
    if (!o.ok) errors.push(o.error);
    else if (o.value === false) return "skip";
  }
  if (!errors.length) return "match";
  if (failurePolicy === "Ignore") return "skip";
  // utilerrors.NewAggregate(...).Error(): duplicates dropped, brackets only for several distinct errors
  const distinct = [...new Set(errors)];
  return { error: distinct.length === 1 ? distinct[0]! : `[${distinct.join(", ")}]` };
}

/** The decision of one validation; `messages` is undefined when the messageExpressions ran out of budget. */
function decide(
  v: Validation,
  index: number,
  check: ExprOutcome,
  messages: readonly (ExprOutcome | undefined)[] | undefined,
  errorAction: PolicyDecision["action"],
): PolicyDecision {
  if (!check.ok) return { action: errorAction, evaluation: "error", message: check.error, index };
  if (!messages) return { action: errorAction, evaluation: "error", message: `failed messageExpression: ${OUT_OF_BUDGET}`, index };
  if (check.value === true) return { action: "admit", evaluation: "admit", message: "", index };
  return { action: "deny", evaluation: "deny", message: denyMessage(v, messages[index]), reason: v.reason ?? "Invalid", index };
}

/** The messageExpression's string (trimmed, ≤5 KiB, one line), else `message`, else "failed expression: …". */
function denyMessage(v: Validation, m: ExprOutcome | undefined): string {
  let message = "";
  if (m?.ok && typeof m.value === "string") {
    message = m.value.trim();
    if (Buffer.byteLength(message, "utf8") > MAX_MESSAGE_BYTES || message.includes("\n")) message = "";
  }
  if (message === "" && v.message) message = v.message.trim();
  if (message === "") message = `failed expression: ${v.expression.trim()}`;
  return message;
}

function auditResults(
  cp: CompiledPolicy,
  outcomes: readonly (ExprOutcome | undefined)[],
  failurePolicy: FailurePolicy,
): Pick<ValidateOutcome, "auditAnnotations" | "auditErrors"> {
  const auditAnnotations: { key: string; value: string }[] = [];
  const auditErrors: string[] = [];
  cp.auditAnnotations.forEach((a, i) => {
    const r = outcomes[i]!;
    if (!r.ok) {
      if (failurePolicy !== "Ignore") auditErrors.push(r.error);
      return;
    }
    if (typeof r.value === "string") {
      const value = r.value.trim();
      if (value) auditAnnotations.push({ key: a.key, value });
    } else if (r.value !== null) {
      auditErrors.push(
        `valueExpression '${a.expression}' resulted in unsupported return type: ${typeName(r.value)}. Return type must be either string or null.`,
      );
    }
  });
  return { auditAnnotations, auditErrors };
}
