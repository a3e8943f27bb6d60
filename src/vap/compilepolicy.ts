// Compiles one ValidatingAdmissionPolicy the way the validating plugin's compilePolicy does: variables in order
// (each seeing the earlier ones, typed by their checked type), matchConditions / validations / auditAnnotations
// with the authorizer declared, messageExpressions without it. Also `validatePolicy`, which reports every compile
// error with its field path and line/column.
import type { CelIssue } from "../cel/ast.js";
import { T, type CelType } from "../cel/types.js";
import { admissionEnv, compileAdmission, STORED_VERSION, variableDeclType, type Compiled } from "./celenv.js";
import type { ValidatingAdmissionPolicy } from "./types.js";

export interface CompiledVariable {
  name: string;
  expression: string;
  compiled: Compiled;
}

export interface CompiledExpr {
  expression: string;
  compiled: Compiled;
  /** Field path in the policy, e.g. `spec.validations[0].expression`. */
  field: string;
}

export interface CompiledPolicy {
  name: string;
  hasParams: boolean;
  variables: CompiledVariable[];
  matchConditions: (CompiledExpr & { name: string })[];
  validations: (CompiledExpr & { message?: string; reason?: string; messageExpression?: CompiledExpr })[];
  auditAnnotations: (CompiledExpr & { key: string })[];
}

const BOOL = [T.bool];
const STRING = [T.string];
const STRING_OR_NULL = [T.string, T.null];

const cache = new WeakMap<ValidatingAdmissionPolicy, Map<string, CompiledPolicy>>();

/** Compile a policy for env `version` (default "1.36"); cached per policy object and version. */
export function compilePolicy(policy: ValidatingAdmissionPolicy, version: string = STORED_VERSION): CompiledPolicy {
  let perPolicy = cache.get(policy);
  if (!perPolicy) cache.set(policy, (perPolicy = new Map()));
  const hit = perPolicy.get(version);
  if (hit) return hit;
  const spec = policy.spec ?? {};
  const hasParams = !!spec.paramKind;
  const varTypes: [string, CelType][] = [];
  const variables: CompiledVariable[] = [];
  for (const v of spec.variables ?? []) {
    const env = admissionEnv({ version, hasParams, hasAuthorizer: true, variables: [...varTypes] });
    const compiled = compileAdmission(env, v.expression);
    const t = variableDeclType(compiled.ok ? compiled.type : undefined);
    const at = varTypes.findIndex(([n]) => n === v.name);
    if (at >= 0) varTypes[at] = [v.name, t];
    else varTypes.push([v.name, t]);
    variables.push({ name: v.name, expression: v.expression, compiled });
  }
  const full = admissionEnv({ version, hasParams, hasAuthorizer: true, variables: varTypes });
  const noAuthz = admissionEnv({ version, hasParams, hasAuthorizer: false, variables: varTypes });
  const out: CompiledPolicy = {
    name: policy.metadata?.name ?? "",
    hasParams,
    variables,
    matchConditions: (spec.matchConditions ?? []).map((m, i) => ({
      name: m.name,
      expression: m.expression,
      compiled: compileAdmission(full, m.expression, BOOL),
      field: `spec.matchConditions[${i}].expression`,
    })),
    validations: (spec.validations ?? []).map((v, i) => ({
      expression: v.expression,
      compiled: compileAdmission(full, v.expression, BOOL),
      field: `spec.validations[${i}].expression`,
      ...(v.message !== undefined ? { message: v.message } : {}),
      ...(v.reason !== undefined ? { reason: v.reason } : {}),
      ...(v.messageExpression
        ? {
            messageExpression: {
              expression: v.messageExpression,
              compiled: compileAdmission(noAuthz, v.messageExpression, STRING),
              field: `spec.validations[${i}].messageExpression`,
            },
          }
        : {}),
    })),
    auditAnnotations: (spec.auditAnnotations ?? []).map((a, i) => ({
      key: a.key,
      expression: a.valueExpression,
      compiled: compileAdmission(full, a.valueExpression, STRING_OR_NULL),
      field: `spec.auditAnnotations[${i}].valueExpression`,
    })),
  };
  perPolicy.set(version, out);
  return out;
}

/** One compile error of a policy expression. */
export interface PolicyCompileIssue {
  policy: string;
  file?: string;
  /** e.g. `spec.validations[2].expression`. */
  field: string;
  line: number;
  column: number;
  message: string;
  /** The apiserver's full error detail (`compilation failed: ERROR: <input>:…`). */
  detail: string;
}

/** Compile every expression of `policy` and report the errors with policy name, field path and line/column. */
export function validatePolicy(
  policy: ValidatingAdmissionPolicy,
  file?: string,
  version: string = STORED_VERSION,
): PolicyCompileIssue[] {
  const c = compilePolicy(policy, version);
  const out: PolicyCompileIssue[] = [];
  const add = (field: string, compiled: Compiled): void => {
    if (compiled.ok) return;
    const issues: CelIssue[] = compiled.issues.length ? compiled.issues : [{ message: compiled.error, offset: 0, line: 1, column: 1 }];
    for (const i of issues) {
      out.push({
        policy: c.name,
        ...(file !== undefined ? { file } : {}),
        field,
        line: i.line,
        column: i.column,
        message: i.message,
        detail: compiled.error,
      });
    }
  };
  c.variables.forEach((v, i) => add(`spec.variables[${i}].expression`, v.compiled));
  c.matchConditions.forEach((m, i) => add(`spec.matchConditions[${i}].expression`, m.compiled));
  c.validations.forEach((v, i) => {
    add(`spec.validations[${i}].expression`, v.compiled);
    if (v.messageExpression) add(`spec.validations[${i}].messageExpression`, v.messageExpression.compiled);
  });
  c.auditAnnotations.forEach((a, i) => add(`spec.auditAnnotations[${i}].valueExpression`, a.compiled));
  return out;
}
