// Rule model → the CEL-bearing parts of a ValidatingAdmissionPolicy: matchConstraints (exact kinds, operations,
// names, namespaces, selectors) with matchConditions for what matchConstraints cannot say (globs, subjects, unknown
// kinds, a single rule's `when`), one validation per rule with a message naming the failing element, or — where
// sources OR together (a set of PSPs) — one variable per source and one validation whose message names the failing
// fields per source. Every expression is simplified, repeated pieces are hoisted into variables, and the text is
// wrapped (`finish`).
import type { Json, LabelSelector, Match, Pred, Rule, Val } from "../ir/model.js";
import { kindRegistry } from "../vap/kinds.js";
import { C, type CExpr } from "./ast.js";
import { globToRe2 } from "./literal.js";
import { hoist, type NamedCExpr } from "./hoist.js";
import { context, lowerPred, lowerVal } from "./lower.js";
import { failingFields, messageExpr, strcat } from "./messages.js";
import { assumeOperations } from "./operations.js";
import { simplify, simplifyWith } from "./simplify.js";
import { objectType, type Ty } from "./schema.js";
import { unparse } from "./unparse.js";

export interface EmitOptions {
  /** Oldest Kubernetes version the output must run on ("1.36"); expressions compile in target−1. */
  targetVersion: string;
  /** Named values the rules read through `variable` roots (e.g. the pod template chosen by kind), emitted first. */
  variables?: { name: string; value: Val }[];
  /** Of those, the ones whose value (when they have one) is always a map, e.g. a pod or pod template. */
  mapVariables?: string[];
  /** Of those, the ones whose type is known (src/emit/schema.ts), e.g. the pod template of a built-in controller. */
  variableTypes?: Record<string, Ty>;
}

export interface NamedExpr {
  name: string;
  expression: string;
}

export interface ValidationOut {
  expression: string;
  message: string;
  messageExpression?: string;
  reason?: "Unauthorized" | "Forbidden" | "Invalid" | "RequestEntityTooLarge";
}

export interface VapParts {
  matchConstraints: { [k: string]: Json };
  matchConditions: NamedExpr[];
  variables: NamedExpr[];
  validations: ValidationOut[];
}

/** CEL environment version for a target Kubernetes version (new expressions compile in target−1). */
export function envFor(targetVersion: string): string {
  const m = /^v?1\.(\d+)/.exec(targetVersion);
  if (!m) throw new Error(`bad target version ${targetVersion}`);
  return `1.${Number(m[1]) - 1}`;
}

export const lowering = (opts: EmitOptions): ReturnType<typeof context> => context({ envVersion: envFor(opts.targetVersion) });

// ---------------------------------------------------------------------------------------------------------------
// Match

const reg = kindRegistry();

function selector(s: LabelSelector): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  if (s.matchLabels && Object.keys(s.matchLabels).length) out.matchLabels = { ...s.matchLabels };
  if (s.matchExpressions?.length) out.matchExpressions = s.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) }));
  return out;
}

const isGlob = (s: string): boolean => /[*?]/.test(s);

function nameTest(field: CExpr, patterns: string[]): CExpr {
  return C.or(...patterns.map((p) => (isGlob(p) ? C.method(field, "matches", C.lit(globToRe2(p))) : C.bin("==", field, C.lit(p)))));
}

/** Resource rules that differ only in their resources become one rule listing them (first-seen order). */
function mergeRules(rules: { [k: string]: Json }[]): { [k: string]: Json }[] {
  const out: { [k: string]: Json }[] = [];
  const byRest = new Map<string, { [k: string]: Json }>();
  for (const r of rules) {
    const { resources, ...rest } = r;
    const k = JSON.stringify(rest);
    const hit = byRest.get(k);
    if (hit) (hit.resources as Json[]).push(...(resources as Json[]).filter((x) => !(hit.resources as Json[]).includes(x)));
    else {
      const copy = { ...r, resources: [...(resources as Json[])] };
      byRest.set(k, copy);
      out.push(copy);
    }
  }
  return out;
}

/** matchConstraints + matchConditions for a policy-level match. */
export function emitMatch(m: Match): { matchConstraints: { [k: string]: Json }; conditions: { name: string; expr: CExpr }[] } {
  const conditions: { name: string; expr: CExpr }[] = [];
  const rules: { [k: string]: Json }[] = [];
  const unknownKinds: string[] = [];
  const exactNames = m.names && !m.names.some(isGlob) ? [...m.names].sort() : undefined;
  for (const k of m.kinds) {
    const info = k.group === "*" || k.kind === "*" ? undefined : reg.byKind(k.group ? `${k.group}/v1` : "v1", k.kind);
    const sub = k.subresource ? `/${k.subresource}` : "";
    if (k.kind === "*") rules.push({ apiGroups: [k.group], apiVersions: [k.version], resources: [`*${sub}`] });
    else if (info) rules.push({ apiGroups: [k.group], apiVersions: [k.version], resources: [`${info.plural}${sub}`] });
    else {
      rules.push({ apiGroups: [k.group], apiVersions: [k.version], resources: [`*${sub}`] });
      unknownKinds.push(k.kind);
    }
  }
  for (const r of rules) {
    r.operations = [...m.operations];
    if (exactNames) r.resourceNames = exactNames;
  }
  const merged = mergeRules(rules);
  rules.length = 0;
  rules.push(...merged);
  const out: { [k: string]: Json } = {};
  const ns: LabelSelector = { ...(m.namespaceSelector ?? {}) };
  const exactNs = m.namespaces?.length && !m.namespaces.some(isGlob) ? [...m.namespaces].sort() : undefined;
  const exactEx = m.excludedNamespaces?.length && !m.excludedNamespaces.some(isGlob) ? [...m.excludedNamespaces].sort() : undefined;
  const nsExprs = [...(ns.matchExpressions ?? [])];
  if (exactNs) nsExprs.push({ key: "kubernetes.io/metadata.name", operator: "In", values: exactNs });
  if (exactEx) nsExprs.push({ key: "kubernetes.io/metadata.name", operator: "NotIn", values: exactEx });
  if (nsExprs.length || ns.matchLabels) out.namespaceSelector = selector({ ...ns, matchExpressions: nsExprs });
  if (m.objectSelector) out.objectSelector = selector(m.objectSelector);
  out.resourceRules = rules;
  // an unknown kind is matched by `*` in its group; the condition names every kind (known ones too, unless some
  // kind is itself `*`), so the wildcard rule does not let the group's other kinds in nor keep the known kinds out
  if (unknownKinds.length && !m.kinds.some((k) => k.kind === "*"))
    conditions.push({ name: "kinds", expr: C.bin("in", C.sel(C.sel(C.id("request"), "kind"), "kind"), C.lit([...new Set(m.kinds.map((k) => k.kind))].sort())) });
  const reqNs: CExpr = { t: "sel", of: C.id("request"), field: "namespace", typed: true };
  if (m.names?.length && !exactNames) conditions.push({ name: "names", expr: nameTest(C.sel(C.id("request"), "name"), m.names) });
  if (m.namespaces?.length && !exactNs) conditions.push({ name: "namespaces", expr: nameTest(reqNs, m.namespaces) });
  if (m.excludedNamespaces?.length && !exactEx) conditions.push({ name: "excluded-namespaces", expr: C.not(nameTest(reqNs, m.excludedNamespaces)) });
  const s = m.subjects;
  if (s && (s.users?.length || s.groups?.length || s.serviceAccounts?.length)) {
    const user = C.sel(C.sel(C.id("request"), "userInfo"), "username");
    const groups = C.sel(C.sel(C.id("request"), "userInfo"), "groups");
    const sa = (s.serviceAccounts ?? []).map((x) => `system:serviceaccount:${x.replace("/", ":")}`);
    conditions.push({
      name: "subjects",
      expr: C.or(
        ...(s.users?.length || sa.length ? [nameTest(user, [...(s.users ?? []), ...sa])] : []),
        ...(s.groups ?? []).map((g) => C.bin("in", C.lit(g), groups)),
      ),
    });
  }
  return { matchConstraints: out, conditions };
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

/** Simplify, hoist repeated pieces into variables, wrap: the final text of a VAP's expressions. */
export function finish(input: {
  conditions: { name: string; expr: CExpr }[];
  variables: NamedCExpr[];
  validations: { expr: CExpr; message: string; messageExpr?: CExpr; reason?: ValidationOut["reason"] }[];
  hoisting?: boolean;
  /** The operations the policy's matchConstraints admit: tests of `request.operation` they decide are folded. */
  operations?: readonly string[];
  /** Variables always holding a map when they hold a value (EmitOptions.mapVariables). */
  mapVariables?: readonly string[];
  /** Types of the names the expressions read (`object`, `oldObject`, `variables.<name>`), where known. */
  types?: ReadonlyMap<string, Ty>;
}): { matchConditions: NamedExpr[]; variables: NamedExpr[]; validations: ValidationOut[] } {
  const maps = (input.mapVariables ?? []).map((v) => `variables.${v}`);
  const tidy = (e: CExpr): CExpr => simplifyWith(input.operations ? assumeOperations(e, input.operations) : e, maps, input.types);
  const vars = input.variables.map((v) => ({ name: v.name, expr: tidy(v.expr) }));
  const exprs: CExpr[] = [];
  for (const v of input.validations) {
    exprs.push(tidy(v.expr));
    if (v.messageExpr) exprs.push(tidy(v.messageExpr));
  }
  const h = input.hoisting === false ? { variables: vars, rewritten: exprs } : hoist(exprs, vars);
  let i = 0;
  const validations = input.validations.map((v): ValidationOut => {
    const expression = unparse(h.rewritten[i++]!);
    const out: ValidationOut = { expression, message: v.message };
    if (v.messageExpr) out.messageExpression = unparse(h.rewritten[i++]!);
    if (v.reason) out.reason = v.reason;
    return out;
  });
  return {
    matchConditions: input.conditions.flatMap((c) => {
      const expr = tidy(c.expr);
      return expr.t === "lit" && expr.v === true ? [] : [{ name: c.name, expression: unparse(expr) }];
    }),
    variables: h.variables.map((v) => ({ name: v.name, expression: unparse(v.expr) })),
    validations,
  };
}

/** `list.join()` (strings ext v2) exists from CEL environment 1.29: older targets keep the fixed message only. */
const hasJoin = (ctx: ReturnType<typeof context>): boolean => Number(/^1\.(\d+)/.exec(ctx.opts.envVersion)?.[1] ?? 0) >= 29;

/** `!when || check` (a rule that does not apply passes). */
function ruleExpr(r: Rule, ctx: ReturnType<typeof context>): CExpr {
  const check = lowerPred(r.check, ctx);
  return r.when ? C.or(C.not(lowerPred(r.when, ctx)), check) : check;
}

/** One validation per rule; a single rule's `when` goes into matchConditions (exact: it can read no variables). */
export function emitRules(rules: readonly Rule[], match: Match, opts: EmitOptions): VapParts {
  const ctx = lowering(opts);
  const { matchConstraints, conditions } = emitMatch(match);
  // matchConditions cannot read variables: a `when` that does stays in the validation
  const single = rules.length === 1 && rules[0]!.when !== undefined && !readsVariables(rules[0]!.when);
  if (single) {
    const applies = simplify(assumeOperations(lowerPred(rules[0]!.when!, ctx), match.operations));
    if (!(applies.t === "lit" && applies.v === true)) conditions.push({ name: "applies", expr: applies });
  }
  const validations = rules.map((r) => {
    const expr = single ? lowerPred(r.check, ctx) : ruleExpr(r, ctx);
    const fields = failingFields(r.check, r.field, ctx);
    const template = messageExpr(r.message, ctx);
    // one element can fail (its parents' absence included): the message names it without a messageExpression
    const only = template || r.message.exact ? undefined : singleLabel(fields);
    const msgExpr = template ?? (only === undefined && !r.message.exact && hasJoin(ctx) ? strcat([`${r.message.text}: `, C.method(fields, "join", C.lit(", "))]) : undefined);
    return { expr, message: only === undefined ? r.message.text : `${r.message.text}: ${only}`, ...(msgExpr ? { messageExpr: msgExpr } : {}) };
  });
  const variables = (opts.variables ?? []).map((v) => ({ name: v.name, expr: lowerVal(v.value, ctx) }));
  const types = rootTypes(match, opts.variableTypes);
  return { matchConstraints, ...finish({ conditions, variables, validations, operations: match.operations, types, ...(opts.mapVariables ? { mapVariables: opts.mapVariables } : {}) }) };
}

/**
 * What the admission objects are for a policy's match: one of its kinds (src/emit/schema.ts; any kind's metadata is
 * ObjectMeta), `object` null on DELETE, `oldObject` null on CREATE; a CONNECT's object is its options (unknown).
 * The types of variables the converter knows are added as `variables.<name>`.
 */
export function rootTypes(match: Match, variableTypes: Record<string, Ty> = {}): Map<string, Ty> {
  const ops = match.operations as readonly string[];
  const unknownOps = !ops.length || ops.some((o) => o !== "CREATE" && o !== "UPDATE" && o !== "DELETE");
  const types = new Map<string, Ty>(Object.entries(variableTypes).map(([k, t]) => [`variables.${k}`, t]));
  if (unknownOps) return types;
  types.set("object", objectType(match.kinds, ops.includes("DELETE")));
  types.set("oldObject", objectType(match.kinds, ops.includes("CREATE")));
  return types;
}

/**
 * The one element a failing-fields list can name, when it is built from fixed labels only and they all lie on one
 * path (`metadata`, `metadata[namespace]` → `metadata[namespace]`); undefined when it can name others.
 */
function singleLabel(fields: CExpr): string | undefined {
  const labels: string[] = [];
  const collect = (e: CExpr): boolean => {
    if (e.t === "bin" && e.op === "+") return collect(e.l) && collect(e.r);
    if (e.t === "list") return e.items.every((x) => x.t === "lit" && typeof x.v === "string" && labels.push(x.v) > 0);
    if (e.t === "cond") return collect(e.then) && collect(e.else);
    return false;
  };
  if (!collect(fields)) return undefined;
  const distinct = [...new Set(labels)];
  const deepest = distinct.filter((l) => !distinct.some((o) => o !== l && o.startsWith(l) && (o[l.length] === "." || o[l.length] === "[")));
  return deepest.length === 1 ? deepest[0] : undefined;
}

/** Does a predicate read a `variables.<name>` root? */
function readsVariables(p: Pred): boolean {
  const seen = (x: unknown): boolean =>
    Array.isArray(x) ? x.some(seen) : typeof x === "object" && x !== null && ((x as { k?: unknown }).k === "variable" || Object.values(x).some(seen));
  return seen(p);
}

/** A source of an OR (one PSP of a set): its rules, and a guard that must hold for it to count (e.g. `use`). */
export interface AnyOfSource {
  /** Variable name (CEL identifier). */
  id: string;
  /** Display name in messages. */
  name: string;
  rules: readonly Rule[];
  guard?: Pred;
}

/**
 * Admit when some source admits: one variable per source listing its failing fields, one validation whose message
 * names the failing fields per source.
 */
export function emitAnyOf(sources: readonly AnyOfSource[], opts: EmitOptions, text: { message: string; prefix: string }, extra: { variables?: NamedCExpr[]; conditions?: { name: string; expr: CExpr }[]; match: Match; roots?: Record<string, string> }): VapParts {
  const ctx = lowering(opts);
  const { matchConstraints, conditions } = emitMatch(extra.match);
  const variables: NamedCExpr[] = [...(extra.variables ?? [])];
  const terms: CExpr[] = [];
  const perSource: CExpr[] = [];
  for (const s of sources) {
    const lists = s.rules.map((r) => failingFields(r.when ? { k: "or", of: [{ k: "not", of: r.when }, r.check] } : r.check, r.field, ctx, extra.roots));
    variables.push({ name: s.id, expr: lists.length ? lists.reduce((a, b) => C.bin("+", a, b)) : C.list([]) });
    const ok = C.bin("==", C.call("size", [C.sel(C.id("variables"), s.id)]), C.lit(0));
    // a guard (e.g. two authorizer checks at 350,000 cost units each) gets its own variable: every expression has a
    // 1,000,000 per-call cost limit, and a set of PSPs would exceed it in one validation. It is read only when the
    // source admits the request.
    if (s.guard) variables.push({ name: `${s.id}_usable`, expr: lowerPred(s.guard, ctx) });
    terms.push(s.guard ? C.and(ok, C.sel(C.id("variables"), `${s.id}_usable`)) : ok);
    perSource.push(C.bin("+", C.lit(`${s.name}: `), C.method(C.sel(C.id("variables"), s.id), "join", C.lit(", "))));
  }
  const expr = sources.length ? C.or(...terms) : C.F;
  const msgExpr = sources.length && hasJoin(ctx) ? C.bin("+", C.lit(text.prefix), C.method(C.list(perSource), "join", C.lit("; "))) : undefined;
  const done = finish({
    conditions: [...(extra.conditions ?? []), ...conditions],
    variables,
    validations: [{ expr, message: text.message, ...(msgExpr ? { messageExpr: msgExpr } : {}), reason: "Forbidden" }],
    operations: extra.match.operations,
  });
  return { matchConstraints, ...done };
}
