// One (policy, binding, param) evaluation of the validating plugin (pkg/admission/plugin/policy/validating/
// validator.go Validate, webhook/matchconditions/matcher.go Match) with the runtime cost budgets: matchConditions
// under their own 2.5M budget, validations under 10M, messageExpressions (all of them, in their own composition
// context) under what the validations left, auditAnnotations under a fresh 10M. Running out of budget in the
// validations or auditAnnotations replaces every decision with one error; in the messageExpressions it turns every
// validation without an error of its own into "failed messageExpression: …". The runs share one VariableStore: a
// variable is evaluated once per evaluation and replayed (its cost charged again) in the later runs.
import type { Activation } from "../cel/env.js";
import { typeName, type Value } from "../cel/values.js";
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
import { VariableStore } from "./variables.js";

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

/** The activation of one run (composition context): its `variables`, with or without the authorizer bound. */
export type RunActivation = (variables: Value, authorizer: boolean) => Activation;

/** What validate needs of a policy beyond its compiled expressions, worked out once per compiled policy. */
interface ValidatorPlan {
  /** The messageExpressions by validation (undefined where a validation has none); undefined when none has one. */
  messages?: readonly (FilterExpr | undefined)[];
}

const plans = new WeakMap<CompiledPolicy, ValidatorPlan>();

function planOf(cp: CompiledPolicy): ValidatorPlan {
  let p = plans.get(cp);
  if (!p) {
    const messages = cp.validations.map((v) => v.messageExpression);
    plans.set(cp, (p = messages.some((m) => m !== undefined) ? { messages } : {}));
  }
  return p;
}

/** The outcomes of a run with nothing to evaluate (costs nothing, every outcome undefined). */
const NOTHING: readonly (ExprOutcome | undefined)[] = [];

/**
 * Validate one (policy, binding, param). `base` is the activation without `variables` (the authorizer removed for
 * messageExpressions), or a function building each run's activation.
 */
export function validate(
  cp: CompiledPolicy,
  failurePolicy: FailurePolicy,
  base: Activation | RunActivation,
  costs?: Map<string, number>,
): ValidateOutcome {
  const errorAction: PolicyDecision["action"] = failurePolicy === "Ignore" ? "admit" : "deny";
  const activation: RunActivation =
    typeof base === "function" ? base : (variables, authorizer) => (authorizer ? { ...base, variables } : { ...base, ...NO_AUTHORIZER, variables });
  const runs: Runs = { cp, activation, store: cp.variables.length ? new VariableStore(cp.variables) : undefined, costs };
  let cost = 0;

  if (cp.matchConditions.length) {
    const run = filter(runs, cp.matchConditions, MATCH_CONDITIONS_COST_BUDGET, true);
    cost += run.cost;
    const m = matchResult(run, failurePolicy);
    if (m === "skip") return outcome(undefined, [], [], cost);
    if (m !== "match") return failure(errorAction, m.error, cost);
  }

  const checks = filter(runs, cp.validations, RUNTIME_CEL_COST_BUDGET, true);
  cost += checks.cost;
  const outcomes = checks.outcomes;
  if (!outcomes) return failure(errorAction, OUT_OF_BUDGET, cost);
  const plan = planOf(cp);
  let messages: readonly (ExprOutcome | undefined)[] | undefined = NOTHING;
  if (plan.messages) {
    const run = filter(runs, plan.messages, checks.remaining, false);
    cost += run.cost;
    messages = run.outcomes;
  }
  const decisions = cp.validations.map((v, index) => decide(v, index, outcomes[index]!, messages, errorAction));

  if (!cp.auditAnnotations.length) return outcome(decisions, [], [], cost);
  const audit = filter(runs, cp.auditAnnotations, RUNTIME_CEL_COST_BUDGET, true);
  cost += audit.cost;
  if (!audit.outcomes) return failure(errorAction, OUT_OF_BUDGET, cost);
  const a = auditResults(cp, audit.outcomes, failurePolicy);
  return outcome(decisions, a.auditAnnotations, a.auditErrors, cost);
}

/** What every run of one validate call shares. */
interface Runs {
  cp: CompiledPolicy;
  activation: RunActivation;
  store: VariableStore | undefined;
  costs: Map<string, number> | undefined;
}

/** One run (composition context) over `exprs`, with or without the authorizer bound. */
function filter(runs: Runs, exprs: readonly (FilterExpr | undefined)[], budget: number, authorizer: boolean): FilterRun {
  const activation = runs.activation;
  return forInput({
    exprs,
    variables: runs.cp.variables,
    activation: (variables) => activation(variables, authorizer),
    budget,
    costs: runs.costs,
    store: runs.store?.forContext(authorizer),
  });
}

/** The single decision of an evaluation that failed as a whole (out of budget, matchConditions error). */
const failure = (action: PolicyDecision["action"], message: string, cost: number): ValidateOutcome =>
  outcome([decision(action, "error", message, undefined, 0)], [], [], cost);

/** Every outcome in one shape (the engine reads them in one place). */
const outcome = (
  decisions: PolicyDecision[] | undefined,
  auditAnnotations: { key: string; value: string }[],
  auditErrors: string[],
  cost: number,
): ValidateOutcome => ({ decisions, auditAnnotations, auditErrors, cost });


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

const ADMITTED: PolicyDecision[] = [];

/** The decision of a validation that passed (shared and frozen: they are all alike). */
function admitted(index: number): PolicyDecision {
  let d = ADMITTED[index];
  if (!d) ADMITTED[index] = d = Object.freeze(decision("admit", "admit", "", undefined, index));
  return d;
}

/** The decision of one validation; `messages` is undefined when the messageExpressions ran out of budget. */
function decide(
  v: Validation,
  index: number,
  check: ExprOutcome,
  messages: readonly (ExprOutcome | undefined)[] | undefined,
  errorAction: PolicyDecision["action"],
): PolicyDecision {
  if (!check.ok) return decision(errorAction, "error", check.error, undefined, index);
  if (!messages) return decision(errorAction, "error", `failed messageExpression: ${OUT_OF_BUDGET}`, undefined, index);
  if (check.value === true) return admitted(index);
  return decision("deny", "deny", denyMessage(v, messages[index]), v.reason ?? "Invalid", index);
}

/** Every decision in one shape (`reason` present, undefined unless a denial). */
const decision = (
  action: PolicyDecision["action"],
  evaluation: PolicyDecision["evaluation"],
  message: string,
  reason: string | undefined,
  index: number,
): PolicyDecision => ({ action, evaluation, message, reason, index });

/** The messageExpression's string (trimmed, ≤5 KiB, one line), else `message`, else "failed expression: …". */
function denyMessage(v: Validation, m: ExprOutcome | undefined): string {
  let message = "";
  if (m?.ok && typeof m.value === "string") {
    message = m.value.trim();
    if (tooLong(message) || message.includes("\n")) message = "";
  }
  if (message === "" && v.message) message = v.message.trim();
  if (message === "") message = `failed expression: ${v.expression.trim()}`;
  return message;
}

/** Whether the UTF-8 encoding of `s` exceeds MAX_MESSAGE_BYTES; measured only when its length does not decide
 *  (a UTF-16 unit takes 1 to 3 bytes, a surrogate pair 4). */
function tooLong(s: string): boolean {
  if (s.length * 3 <= MAX_MESSAGE_BYTES) return false;
  if (s.length > MAX_MESSAGE_BYTES) return true;
  return Buffer.byteLength(s, "utf8") > MAX_MESSAGE_BYTES;
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
