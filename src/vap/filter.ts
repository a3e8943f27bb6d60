// One run of an admission CEL filter over a list of expressions (pkg/admission/plugin/cel/condition.go ForInput +
// activation.go Evaluate): a fresh composition context (lazy variables), the expressions in order, and the runtime
// cost budget — after each expression first the cost of the variables it made evaluate, then its own cost is taken
// from the remaining budget; either exceeding it ends the run with the out-of-budget error. Budgets are
// pkg/apis/cel/config.go's. A VariableStore lets the runs of one evaluation share variable outcomes (variables.ts).
import type { Activation } from "../cel/env.js";
import type { Value } from "../cel/values.js";
import type { Compiled } from "./celenv.js";
import type { CompiledVariable } from "./compilepolicy.js";
import { internalError, LazyVariables, type VariableStore } from "./variables.js";

/** RuntimeCELCostBudget: validations then messageExpressions of one (policy, binding, param); auditAnnotations. */
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;
/** RuntimeCELCostBudgetMatchConditions. */
export const MATCH_CONDITIONS_COST_BUDGET = 2_500_000;
/** The cel.Error detail of ErrOutOfBudget. */
export const OUT_OF_BUDGET = "validation failed due to running out of cost budget, no further validation rules will be run";

export interface FilterExpr {
  expression: string;
  compiled: Compiled;
  /** Policy field path, e.g. `spec.validations[0].expression` (names the recorded cost). */
  field: string;
}

export type ExprOutcome = { ok: true; value: Value } | { ok: false; error: string };

export interface FilterInput {
  /** undefined = placeholder (a validation without messageExpression): not evaluated. */
  exprs: readonly (FilterExpr | undefined)[];
  variables: readonly CompiledVariable[];
  /** The activation with this run's `variables`. */
  activation: (variables: LazyVariables) => Activation;
  budget: number;
  /** Records every evaluated expression's and variable's own cost by field path, when given. */
  costs?: Map<string, number>;
  /** Variable outcomes shared with the other runs of the same evaluation (for `variables`). */
  store?: VariableStore;
}

export interface FilterRun {
  /** Per expression, in order; absent when the run ran out of budget. */
  outcomes?: (ExprOutcome | undefined)[];
  /** Budget left after the run (for the messageExpressions after the validations). */
  remaining: number;
  /** Cost incurred: every evaluated expression and variable, the one that exhausted the budget included. */
  cost: number;
}

/** The `variables` of a policy that declares none. */
const NO_VARIABLES = new LazyVariables([], () => ({}));
const UNBOUND: Activation = {};

export function forInput(input: FilterInput): FilterRun {
  const exprs = input.exprs;
  if (exprs.every((e) => e === undefined)) return { outcomes: exprs.map(() => undefined), remaining: input.budget, cost: 0 };
  const costs = input.costs;
  const recordVariable = costs ? (i: number, c: number): void => void costs.set(`spec.variables[${i}].expression`, c) : undefined;
  let act: Activation = UNBOUND;
  const variables = input.variables.length ? new LazyVariables(input.variables, () => act, recordVariable, input.store) : NO_VARIABLES;
  act = input.activation(variables);
  const outcomes: (ExprOutcome | undefined)[] = [];
  let remaining = input.budget;
  let cost = 0;
  for (const e of exprs) {
    if (!e) {
      outcomes.push(undefined);
      continue;
    }
    if (!e.compiled.ok) {
      outcomes.push({ ok: false, error: `compilation error: ${e.compiled.error}` });
      continue;
    }
    // Evaluate: the outcome as the plugin words it, and the expression's runtime cost.
    let outcome: ExprOutcome;
    let c: number;
    try {
      const r = e.compiled.program.evaluate(act);
      outcome = r.ok ? r : failed(e.expression, r.error.message);
      c = r.cost;
    } catch (err) {
      outcome = failed(e.expression, internalError(err));
      c = 0;
    }
    costs?.set(e.field, c);
    const composition = variables.takeCost();
    cost += composition + c;
    if (composition > remaining) return { remaining: -1, cost };
    remaining -= composition;
    if (c > remaining) return { remaining: -1, cost };
    remaining -= c;
    outcomes.push(outcome);
  }
  return { outcomes, remaining, cost };
}

const failed = (expression: string, why: string): ExprOutcome => ({ ok: false, error: `expression '${expression}' resulted in error: ${why}` });
