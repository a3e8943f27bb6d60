// Attributes of the CEL interpreter, planned and charged as cel-go's attributes are (interpreter/attributes.go with
// the cost observer of runtimecost.go): identifiers, field selection, presence tests, indexing, optional selection
// and the conditional. An attribute is a root (a variable, or any other expression = a "relative" attribute) plus
// qualifiers. Each qualifier costs 1 when applied (only when present on an optional path), the root costs 1 when the
// attribute is evaluated on its own, but not when it is resolved as a conditional branch, an index or under has().
import type { Call, Expr, Select } from "./ast.js";
import type { Activation } from "./env.js";
import { charge, type Ev, type Frame, type PlanContext, type Scope, ErrBox } from "./frame.js";
import { index, optionalIndex } from "./stdlib/ops.js";
import { CelError, CelMap, Optional, type Value } from "./values.js";

/** A planned attribute (cel-go InterpretableAttribute). */
export interface Attr {
  /** Resolution without the root charge (cel-go Attribute.Resolve); qualifiers are charged. */
  readonly resolve: Ev;
  /** Cost of the root when evaluated on its own: 1 for variables and relative attributes, 0 for has() and `?:`. */
  readonly root: 0 | 1;
  /** Resolution charges nothing but single units, so the root unit may be charged first at no difference. */
  readonly unitSteps: boolean;
  /** A variable followed by plain field selections (`object.spec.containers`), evaluated by one closure. */
  readonly path?: FieldPath;
  /**
   * For a chain of optional selections (`x.?a.?b`): its resolution without the Optional around the result — the
   * value when present, ABSENT when not (same charges, same errors), for `orValue`/`hasValue`/`value` planned on it.
   */
  readonly resolveRaw?: Ev;
  /** For such a chain: its fields, and the slot of the comprehension variable it starts from (else -1; then the
   *  attribute is a variable read charged 1 before it resolves — unitSteps — so a caller may read the slot itself). */
  readonly chain?: { readonly slot: number; readonly fields: readonly string[] };
}

/** What `resolveRaw` returns for an empty optional (never a CEL value). */
export const ABSENT = Object.freeze({ absent: true }) as unknown as Value;

/** `root.f1.f2…` where the root is a variable read that charges nothing. */
interface FieldPath {
  readonly root: PathRoot;
  readonly fields: readonly string[];
}

/** A comprehension variable's slot (with the initializer of an accumulator, run on first read), or an activation
 *  variable (with a library identifier's value when the activation lacks it). */
type PathRoot = { readonly slot: number; readonly init?: Ev } | { readonly name: string; readonly decl: Value | undefined };

const nso = (): CelError => new CelError("no such overload");
const noSuchKey = (field: string): CelError => new CelError(`no such key: ${field}`);

type IdentKind = "local" | "variable" | "constant";

function identKind(ctx: PlanContext, name: string, scope: Scope): IdentKind {
  if (scope.has(name)) return "local";
  return ctx.env.idents.has(name) && !ctx.env.vars.has(name) ? "constant" : "variable";
}

/** Dotted name of a pure ident/select chain whose root is not a comprehension variable. */
export function qualifiedName(e: Expr, scope: Scope): string | undefined {
  if (e.k === "ident") return e.name.startsWith(".") ? e.name.slice(1) : scope.has(e.name) ? undefined : e.name;
  if (e.k === "select" && !e.test && !e.optional) {
    const q = qualifiedName(e.operand, scope);
    return q === undefined ? undefined : `${q}.${e.field}`;
  }
  return undefined;
}

/** A select that names a declared variable or identifier (`authorizer.requestResource`), resolved as one name. */
function declaredName(ctx: PlanContext, e: Select, scope: Scope): string | undefined {
  if (e.test || e.optional) return undefined;
  const q = qualifiedName(e, scope);
  return q !== undefined && (ctx.env.vars.has(q) || ctx.env.idents.has(q)) ? q : undefined;
}

const identName = (name: string): string => (name.startsWith(".") ? name.slice(1) : name);

const isIndexCall = (e: Call): boolean => !e.target && e.args.length === 2 && (e.fn === "_[_]" || e.fn === "_[?_]");
const isConditional = (e: Call): boolean => !e.target && e.args.length === 3 && e.fn === "_?_:_";

/** Whether cel-go plans `e` as an attribute (constants, calls, literals and comprehensions are not). */
export function isAttribute(ctx: PlanContext, e: Expr, scope: Scope): boolean {
  switch (e.k) {
    case "ident":
      return identKind(ctx, identName(e.name), scope) !== "constant";
    case "select": {
      const q = declaredName(ctx, e, scope);
      return q === undefined || identKind(ctx, q, scope) !== "constant";
    }
    case "call":
      return isIndexCall(e) || isConditional(e);
    default:
      return false;
  }
}

/** The constant value of a library identifier (type names), for idents that are not attributes. */
export function constantIdent(ctx: PlanContext, e: Expr, scope: Scope): Value | undefined {
  const name = e.k === "ident" ? identName(e.name) : e.k === "select" ? declaredName(ctx, e, scope) : undefined;
  if (name === undefined || identKind(ctx, name, scope) !== "constant") return undefined;
  return ctx.env.idents.get(name)!.value;
}

/** Plan an attribute; `e` must satisfy isAttribute. */
export function planAttribute(ctx: PlanContext, e: Expr, scope: Scope): Attr {
  if (e.k === "ident") return identAttr(ctx, identName(e.name), scope);
  if (e.k === "select") {
    const q = declaredName(ctx, e, scope);
    if (q !== undefined) return identAttr(ctx, q, scope);
    return e.test ? presenceAttr(ctx, e, scope) : selectAttr(ctx, e, scope);
  }
  if (e.k === "call" && isConditional(e)) return conditionalAttr(ctx, e, scope);
  if (e.k === "call" && isIndexCall(e)) return indexAttr(ctx, e, scope);
  throw new Error(`not an attribute: ${e.k}`);
}

/** Evaluate an attribute on its own: its resolution plus the root charge (also when resolution fails). */
export function evalAttribute(attr: Attr): Ev {
  const r = attr.resolve;
  if (attr.root === 0) return r;
  if (attr.path) return pathEv(attr.path, 1);
  return withRootCharge(r, !!attr.unitSteps);
}

/** `r` with the attribute's root charged (before it when every step is unit cost, else also when it fails). */
function withRootCharge(r: Ev, unitSteps: boolean): Ev {
  if (unitSteps) {
    return (a, f) => {
      charge(f, 1);
      return r(a, f);
    };
  }
  return (a, f) => {
    let v: Value;
    try {
      v = r(a, f);
    } catch (e) {
      if (e instanceof CelError) charge(f, 1);
      throw e;
    }
    charge(f, 1);
    return v;
  };
}

/** How cel-go resolves an expression used as a conditional branch or an index: attributes without their root. */
export function resolveOf(ctx: PlanContext, e: Expr, scope: Scope): Ev {
  return isAttribute(ctx, e, scope) ? planAttribute(ctx, e, scope).resolve : ctx.plan(e, scope);
}

/** The attribute a qualifier extends: `e` itself, or a relative attribute over any other expression. */
function operandAttr(ctx: PlanContext, e: Expr, scope: Scope): Attr {
  if (isAttribute(ctx, e, scope)) return planAttribute(ctx, e, scope);
  const ev = ctx.plan(e, scope);
  return { resolve: ev, root: 1, unitSteps: ctx.constantOf(ev) !== undefined };
}

// ---------------------------------------------------------------- identifiers

function identAttr(ctx: PlanContext, name: string, scope: Scope): Attr {
  const local = scope.get(name);
  if (local) {
    const { slot, init } = local;
    if (!init) return pathAttr({ root: { slot }, fields: [] });
    // an accumulator initialized by a constant charges nothing when read; otherwise its initializer does
    if (ctx.constantOf(init) !== undefined) return pathAttr({ root: { slot, init }, fields: [] });
    return { resolve: (a, f) => accumulator(f, slot, init, a), root: 1, unitSteps: false };
  }
  return pathAttr({ root: { name, decl: ctx.env.idents.get(name)?.value }, fields: [] });
}

/** An activation variable (a library identifier's value when the activation lacks it). */
function lookup(act: Activation, name: string, decl: Value | undefined): Value {
  const v = act[name];
  if (v !== undefined) return v;
  if (decl !== undefined) return decl;
  throw new CelError(`no such attribute(s): ${name}`);
}

const pathAttr = (path: FieldPath): Attr => ({ resolve: pathEv(path, 0), root: 1, unitSteps: true, path });

/**
 * A field path in one closure. Its steps are all single units (the root when `rootCharge` is 1, then one per
 * field), so when the limit is not within reach they are added without a check each; near the limit every step is
 * charged (and checked) in cel-go's order.
 */
function pathEv(path: FieldPath, rootCharge: 0 | 1): Ev {
  const { root, fields } = path;
  const steps = fields.length + rootCharge;
  const slot = "slot" in root ? root.slot : -1;
  const init = "slot" in root ? root.init : undefined;
  const name = "name" in root ? root.name : "";
  const decl = "name" in root ? root.decl : undefined;
  if (fields.length === 0 && slot >= 0) return slotEv(slot, init, rootCharge);
  if (slot >= 0 && !init) {
    // a comprehension variable's fields (`c.name`): the same steps, the slot read in place
    return (_a, f) => {
      if (f.cost + steps > f.limit) {
        charge(f, rootCharge);
        return walkFields(f.slots[slot] as Value, fields, 0, f);
      }
      f.cost += rootCharge;
      return plainFields(f.slots[slot] as Value, fields, f);
    };
  }
  if (slot < 0) {
    // an activation variable's fields (`object.spec.containers`, `variables.containers`)
    return (a, f) => {
      if (f.cost + steps > f.limit) {
        charge(f, rootCharge);
        return walkFields(lookup(a, name, decl), fields, 0, f);
      }
      f.cost += rootCharge;
      return plainFields(lookup(a, name, decl), fields, f);
    };
  }
  const rootValue = (a: Activation, f: Frame): Value =>
    slot < 0 ? lookup(a, name, decl) : init ? accumulator(f, slot, init, a) : (f.slots[slot] as Value);
  return (a, f) => {
    if (f.cost + steps > f.limit) {
      charge(f, rootCharge);
      return walkFields(rootValue(a, f), fields, 0, f);
    }
    f.cost += rootCharge;
    return plainFields(rootValue(a, f), fields, f);
  };
}

/** A comprehension variable or accumulator on its own. */
function slotEv(slot: number, init: Ev | undefined, rootCharge: 0 | 1): Ev {
  if (init) {
    if (rootCharge === 0) return (a, f) => accumulator(f, slot, init, a);
    return (a, f) => {
      charge(f, 1);
      return accumulator(f, slot, init, a);
    };
  }
  if (rootCharge === 0) return (_a, f) => f.slots[slot] as Value;
  return (_a, f) => {
    charge(f, 1);
    return f.slots[slot] as Value;
  };
}

/** The accumulator's value, initialized on first use as cel-go's folder does. */
function accumulator(f: Frame, slot: number, init: Ev, a: Activation): Value {
  let v = f.slots[slot];
  if (v === undefined) {
    try {
      v = init(a, f);
    } catch (e) {
      if (!(e instanceof CelError)) throw e;
      v = new ErrBox(e);
    }
    f.slots[slot] = v;
  }
  if (v instanceof ErrBox) throw v.err;
  return v;
}

/** The fields of a path from `start` on, each step charged (and checked) on its own. */
/** The fields of plain maps, one unit each, charged without a check (the caller saw the limit out of reach); the
 *  first value that is not a plain map continues in walkFields. */
function plainFields(start: Value, fields: readonly string[], f: Frame): Value {
  let v = start;
  for (let i = 0; i < fields.length; i++) {
    if (!(v instanceof CelMap) || v.constructor !== CelMap) return walkFields(v, fields, i, f);
    f.cost++;
    const w = v.get(fields[i]!);
    if (w === undefined) throw noSuchKey(fields[i]!);
    v = w;
  }
  return v;
}

function walkFields(v: Value, fields: readonly string[], start: number, f: Frame): Value {
  for (let i = start; i < fields.length; i++) {
    const field = fields[i]!;
    v = v instanceof CelMap ? mapField(v, field, f) : otherField(v, field, f);
  }
  return v;
}

// ---------------------------------------------------------------- selection

function selectAttr(ctx: PlanContext, e: Select, scope: Scope): Attr {
  if (e.optional && ctx.fastPaths) return optionalChainAttr(ctx, e, scope);
  const op = operandAttr(ctx, e.operand, scope);
  if (op.path && !e.optional) return pathAttr({ root: op.path.root, fields: [...op.path.fields, e.field] });
  const r = op.resolve;
  const field = e.field;
  const resolve: Ev = e.optional
    ? (a, f) => optionalField(r(a, f), field, f)
    : (a, f) => {
        const v = r(a, f);
        return v instanceof CelMap ? mapField(v, field, f) : otherField(v, field, f);
      };
  return { resolve, root: op.root, unitSteps: op.unitSteps };
}

/**
 * `x.?f1.?f2…?fn`: the operand resolved once, then the fields walked without an Optional per step — exactly the
 * successive optionalField steps: an optional operand is looked into (empty: absent), every step needs a map (else
 * `no such key`), an absent field ends the chain uncharged, a present one costs 1.
 */
function optionalChainAttr(ctx: PlanContext, e: Select, scope: Scope): Attr {
  const fields: string[] = [];
  let x: Expr = e;
  while (x.k === "select" && x.optional && !x.test) {
    fields.push(x.field);
    x = x.operand;
  }
  fields.reverse();
  const op = operandAttr(ctx, x, scope);
  const r = op.resolve;
  // a comprehension variable as the operand is read in place
  const root = op.path?.fields.length === 0 && "slot" in op.path.root && !op.path.root.init ? op.path.root.slot : -1;
  const resolveRaw: Ev =
    root >= 0 ? (_a, f) => walkOptional(f.slots[root] as Value, fields, f) : (a, f) => walkOptional(r(a, f), fields, f);
  const resolve: Ev = (a, f) => {
    const v = resolveRaw(a, f);
    return v === ABSENT ? Optional.NONE : Optional.of(v);
  };
  return { resolve, root: op.root, unitSteps: op.unitSteps, resolveRaw, chain: { slot: root, fields } };
}

/** The optional selections `.?f1…?fn` applied to `v`: the value, or ABSENT (see optionalChainAttr). */
export function walkOptional(v: Value, fields: readonly string[], f: Frame): Value {
  if (v instanceof Optional) {
    if (v.value === undefined) return ABSENT;
    v = v.value;
  }
  for (let i = 0; i < fields.length; i++) {
    if (!(v instanceof CelMap)) throw noSuchKey(fields[i]!);
    const w: Value | undefined = v.get(fields[i]!);
    if (w === undefined) return ABSENT;
    charge(f, 1);
    v = w;
  }
  return v;
}

/** An attribute's raw optional resolution evaluated on its own: the root charged as evalAttribute charges it. */
export function evalRawAttribute(attr: Attr): Ev | undefined {
  const r = attr.resolveRaw;
  if (!r) return undefined;
  if (attr.root === 0) return r;
  return withRootCharge(r, !!attr.unitSteps);
}

/** A field of a map (1, also when absent or when a lazily computed entry fails). */
function mapField(m: CelMap, field: string, f: Frame): Value {
  let v: Value | undefined;
  if (m.constructor === CelMap) {
    // a plain map cannot fail: charging before the lookup is the same step
    charge(f, 1);
    v = m.get(field);
  } else {
    try {
      v = m.get(field);
    } catch (e) {
      if (e instanceof CelError) charge(f, 1);
      throw e;
    }
    charge(f, 1);
  }
  if (v !== undefined) return v;
  throw noSuchKey(field);
}

function otherField(v: Value, field: string, f: Frame): Value {
  if (v instanceof Optional) return optionalField(v, field, f);
  charge(f, 1);
  throw noSuchKey(field);
}

/** `x.?f`, and any selection on an optional: charged only when the field is present (cel-go QualifyIfPresent). */
function optionalField(v: Value, field: string, f: Frame): Optional {
  if (v instanceof Optional) {
    if (v.value === undefined) return v;
    v = v.value;
  }
  if (v instanceof CelMap) {
    const r = v.get(field);
    if (r === undefined) return Optional.NONE;
    charge(f, 1);
    return Optional.of(r);
  }
  throw noSuchKey(field);
}

/** has(x.f): the presence qualifier costs 1, the root and the test itself nothing (PresenceTestHasCost(false)). */
function presenceAttr(ctx: PlanContext, e: Select, scope: Scope): Attr {
  const r = operandAttr(ctx, e.operand, scope).resolve;
  const field = e.field;
  const resolve: Ev = (a, f) => {
    const v = r(a, f);
    if (v instanceof CelMap) {
      charge(f, 1);
      return v.has(field);
    }
    if (v instanceof Optional) {
      const present = optionalPresence(v, field);
      if (present) charge(f, 1);
      return present;
    }
    charge(f, 1);
    return false;
  };
  return { resolve, root: 0, unitSteps: true };
}

/** Presence inside an optional: optionals look inside; anything else is simply not present (cel-go refQualify). */
function optionalPresence(v: Value, field: string): boolean {
  if (v instanceof Optional) return v.value !== undefined && optionalPresence(v.value, field);
  return v instanceof CelMap && v.has(field);
}

// ---------------------------------------------------------------- indexing

function indexAttr(ctx: PlanContext, e: Call, scope: Scope): Attr {
  const op = operandAttr(ctx, e.args[0]!, scope);
  const keyExpr = e.args[1]!;
  const keyIsAttr = isAttribute(ctx, keyExpr, scope);
  const keyAttr = keyIsAttr ? planAttribute(ctx, keyExpr, scope) : undefined;
  const key = keyAttr ? keyAttr.resolve : ctx.plan(keyExpr, scope);
  const keyUnit = keyAttr ? keyAttr.unitSteps : ctx.constantOf(key) !== undefined;
  const r = op.resolve;
  const resolve: Ev = e.fn === "_[?_]" ? (a, f) => optionalEntry(r(a, f), key, a, f) : (a, f) => entry(r(a, f), key, a, f);
  return { resolve, root: op.root, unitSteps: op.unitSteps && keyUnit };
}

/** `c[k]`: 1, also when it fails; on an optional container only when present. */
function entry(c: Value, key: Ev, a: Activation, f: Frame): Value {
  if (c instanceof Optional) return optionalEntry(c, key, a, f);
  let v: Value;
  try {
    v = index(c, key(a, f));
  } catch (e) {
    if (e instanceof CelError) charge(f, 1);
    throw e;
  }
  charge(f, 1);
  return v;
}

function optionalEntry(c: Value, key: Ev, a: Activation, f: Frame): Optional {
  const r = optionalIndex(c, key(a, f));
  if (r.value !== undefined) charge(f, 1);
  return r;
}

// ---------------------------------------------------------------- conditional

/** `c ? t : e`: no cost of its own; the chosen branch is resolved (an attribute branch without its root). */
function conditionalAttr(ctx: PlanContext, e: Call, scope: Scope): Attr {
  const c = ctx.plan(e.args[0]!, scope);
  const t = resolveOf(ctx, e.args[1]!, scope);
  const el = resolveOf(ctx, e.args[2]!, scope);
  const resolve: Ev = (a, f) => {
    const cv = c(a, f);
    if (cv === true) return t(a, f);
    if (cv === false) return el(a, f);
    throw nso();
  };
  return { resolve, root: 0, unitSteps: false };
}
