// CEL type checker with cel-go 0.26 semantics (checker/checker.go + checker/types.go): identifier resolution
// (comprehension scopes, env.vars, env.idents), field selection on maps/objects/optionals, overload resolution with
// type-parameter unification (free type variables `_varN`, substitution mapping, `dyn`/error wildcards, legacy
// null assignability), aggregate literals, message construction and comprehensions. After a clean check the
// Kubernetes AST validators and plan-time regex checks run (src/cel/check-validators.ts). Error texts follow
// cel-go's checker/errors.go; positions come from node.pos.
import { locate, type Call, type CelIssue, type Comprehension, type CreateStruct, type Expr, type ParsedExpr, type Select } from "./ast.js";
import { runPlanChecks, runValidators, syntaxGate, type RawIssue } from "./check-validators.js";
import type { Env } from "./env.js";
import type { Overload } from "./registry.js";
import { T, typeToString, type CelType } from "./types.js";
import { CelUint, type Value } from "./values.js";

export interface CheckResult {
  /** Static type of the whole expression. */
  type: CelType;
  /** Compile errors; empty when the expression type-checks. */
  issues: CelIssue[];
  /** Per call node id: the overloads the checker found applicable (interpreter may dispatch among only these). */
  refs: Map<number, Overload[]>;
  /** Static type per node id. */
  types: Map<number, CelType>;
}

// ---------------------------------------------------------------------------------------------------------------
// Type algebra (port of cel-go checker/types.go)

/** Substitution of free type variables (`param` types) → types, with an undo trail so a failed tentative
 *  assignment (cel-go copies the mapping) can be rolled back cheaply. */
export class Mapping {
  private readonly m = new Map<string, CelType>();
  private readonly trail: [string, CelType | undefined][] = [];
  find(t: CelType): CelType | undefined {
    return t.k === "param" ? this.m.get(t.name) : undefined;
  }
  add(param: CelType, t: CelType): void {
    if (param.k !== "param") return;
    this.trail.push([param.name, this.m.get(param.name)]);
    this.m.set(param.name, t);
  }
  mark(): number {
    return this.trail.length;
  }
  rollback(mark: number): void {
    while (this.trail.length > mark) {
      const [name, old] = this.trail.pop()!;
      if (old === undefined) this.m.delete(name);
      else this.m.set(name, old);
    }
  }
}

const ERR: CelType = { k: "error" };

const isDyn = (t: CelType): boolean => t.k === "dyn";
const isDynOrError = (t: CelType): boolean => t.k === "dyn" || t.k === "error";
const isNullT = (t: CelType): boolean => t.k === "prim" && t.name === "null_type";

export function isOptionalType(t: CelType): t is { k: "opaque"; name: string; params: CelType[] } {
  return t.k === "opaque" && t.name === "optional_type" && t.params.length === 1;
}

function unwrapOptional(t: CelType): [CelType, boolean] {
  return isOptionalType(t) ? [t.params[0]!, true] : [t, false];
}

/** cel-go Kind: primitives are distinct kinds, the rest by constructor. */
const kindOf = (t: CelType): string => (t.k === "prim" ? t.name : t.k);

/** Exact structural equality (cel-go IsExactType). */
export function typeEquals(a: CelType, b: CelType): boolean {
  if (a === b) return true;
  switch (a.k) {
    case "dyn":
    case "error":
      return b.k === a.k;
    case "prim":
      return b.k === "prim" && a.name === b.name;
    case "param":
      return b.k === "param" && a.name === b.name;
    case "object":
      return b.k === "object" && a.name === b.name;
    case "list":
      return b.k === "list" && typeEquals(a.elem, b.elem);
    case "map":
      return b.k === "map" && typeEquals(a.key, b.key) && typeEquals(a.value, b.value);
    case "type":
      return b.k === "type" && typeEquals(a.of, b.of);
    case "opaque":
      return (
        b.k === "opaque" &&
        a.name === b.name &&
        a.params.length === b.params.length &&
        a.params.every((p, i) => typeEquals(p, b.params[i]!))
      );
  }
}

function isEqualOrLessSpecific(t1: CelType, t2: CelType): boolean {
  if (isDyn(t1) || t1.k === "param") return true;
  if (isDyn(t2) || t2.k === "param") return false;
  if (kindOf(t1) !== kindOf(t2)) return false;
  if (t1.k === "opaque" && t2.k === "opaque") {
    return (
      t1.name === t2.name &&
      t1.params.length === t2.params.length &&
      t1.params.every((p, i) => isEqualOrLessSpecific(p, t2.params[i]!))
    );
  }
  if (t1.k === "list" && t2.k === "list") return isEqualOrLessSpecific(t1.elem, t2.elem);
  if (t1.k === "map" && t2.k === "map") return isEqualOrLessSpecific(t1.key, t2.key) && isEqualOrLessSpecific(t1.value, t2.value);
  if (t1.k === "type") return true;
  return typeEquals(t1, t2);
}

const mostGeneral = (t1: CelType, t2: CelType): CelType => (isEqualOrLessSpecific(t1, t2) ? t1 : t2);

function notReferencedIn(m: Mapping, t: CelType, within: CelType): boolean {
  if (typeEquals(t, within)) return false;
  switch (within.k) {
    case "param": {
      const s = m.find(within);
      return s === undefined ? true : notReferencedIn(m, t, s);
    }
    case "opaque":
      return within.params.every((p) => notReferencedIn(m, t, p));
    case "list":
      return notReferencedIn(m, t, within.elem);
    case "map":
      return notReferencedIn(m, t, within.key) && notReferencedIn(m, t, within.value);
    case "type": // the occurs check must see through type(T), else `[c, type(c)]` binds c to type(c) forever
      return notReferencedIn(m, t, within.of);
    default:
      return true;
  }
}

/** Legacy null assignability: opaque, object, timestamp, duration (and null/dyn themselves). */
function assignableFromNull(t: CelType): boolean {
  if (t.k === "opaque" || t.k === "object" || t.k === "dyn") return true;
  return t.k === "prim" && (t.name === "timestamp" || t.name === "duration" || t.name === "null_type");
}

function isValidTypeSubstitution(m: Mapping, t1: CelType, t2: CelType): [valid: boolean, hasSub: boolean] {
  if (kindOf(t1) === kindOf(t2) && typeEquals(t1, t2)) return [true, true];
  const sub = m.find(t2);
  if (sub !== undefined) {
    if (typeEquals(t1, sub)) return [true, true];
    if (internalIsAssignable(m, t1, sub)) {
      const t2New = mostGeneral(t1, sub);
      if (notReferencedIn(m, t2, t2New)) m.add(t2, t2New);
      return [true, true];
    }
    return [false, true];
  }
  if (notReferencedIn(m, t2, t1)) {
    m.add(t2, t1);
    return [true, false];
  }
  return [false, false];
}

function internalIsAssignableList(m: Mapping, l1: readonly CelType[], l2: readonly CelType[]): boolean {
  if (l1.length !== l2.length) return false;
  return l1.every((t, i) => internalIsAssignable(m, t, l2[i]!));
}

/** Whether t1 is assignable to t2, updating `m` with type-variable bindings (mutates m). */
function internalIsAssignable(m: Mapping, t1: CelType, t2: CelType): boolean {
  if (t2.k === "param") {
    const [valid, hasSub] = isValidTypeSubstitution(m, t1, t2);
    if (valid) return true;
    if (hasSub) return false;
  }
  if (t1.k === "param") return isValidTypeSubstitution(m, t2, t1)[0];
  if (isDynOrError(t1) || isDynOrError(t2)) return true;
  if (isNullT(t1)) return assignableFromNull(t2);
  if (isNullT(t2)) return assignableFromNull(t1);
  switch (t1.k) {
    case "prim":
      return t2.k === "prim" && t1.name === t2.name;
    case "object":
      return t2.k === "object" && t1.name === t2.name;
    case "type":
      return t2.k === "type";
    case "opaque":
      return t2.k === "opaque" && t1.name === t2.name && internalIsAssignableList(m, t1.params, t2.params);
    case "list":
      return t2.k === "list" && internalIsAssignable(m, t1.elem, t2.elem);
    case "map":
      return t2.k === "map" && internalIsAssignableList(m, [t1.key, t1.value], [t2.key, t2.value]);
    default:
      return false;
  }
}

/** Replace bound type variables; unbound ones become dyn when `toDyn`. */
export function substitute(m: Mapping, t: CelType, toDyn: boolean): CelType {
  switch (t.k) {
    case "param": {
      const s = m.find(t);
      if (s !== undefined) return substitute(m, s, toDyn);
      return toDyn ? T.dyn : t;
    }
    case "opaque":
      return t.params.length ? { k: "opaque", name: t.name, params: t.params.map((p) => substitute(m, p, toDyn)) } : t;
    case "list":
      return T.list(substitute(m, t.elem, toDyn));
    case "map":
      return T.map(substitute(m, t.key, toDyn), substitute(m, t.value, toDyn));
    case "type":
      return T.type(substitute(m, t.of, toDyn));
    default:
      return t;
  }
}

function collectParams(t: CelType, out: Set<string>): void {
  switch (t.k) {
    case "param":
      out.add(t.name);
      return;
    case "opaque":
      t.params.forEach((p) => collectParams(p, out));
      return;
    case "list":
      collectParams(t.elem, out);
      return;
    case "map":
      collectParams(t.key, out);
      collectParams(t.value, out);
      return;
    case "type":
      collectParams(t.of, out);
      return;
    default:
      return;
  }
}

const typeParamCache = new WeakMap<Overload, string[]>();
function typeParamsOf(ov: Overload): string[] {
  let tp = typeParamCache.get(ov);
  if (!tp) {
    const s = new Set<string>();
    ov.params.forEach((p) => collectParams(p, s));
    collectParams(ov.result, s);
    typeParamCache.set(ov, (tp = [...s]));
  }
  return tp;
}

/** Static type of a literal value. */
export function literalType(v: Value): CelType {
  if (v === null) return T.null;
  switch (typeof v) {
    case "boolean":
      return T.bool;
    case "bigint":
      return T.int;
    case "number":
      return T.double;
    case "string":
      return T.string;
  }
  if (v instanceof CelUint) return T.uint;
  if (v instanceof Uint8Array) return T.bytes;
  return ERR;
}

/** Type formatting as cel-go's FormatCELType. */
export const fmtType = typeToString;

function fmtCall(args: readonly CelType[], isInstance: boolean): string {
  let s = "";
  let rest = args;
  if (isInstance && args.length) {
    s += `${fmtType(args[0]!)}.`;
    rest = args.slice(1);
  }
  return `${s}(${rest.map(fmtType).join(", ")})`;
}

// Operators the interpreter implements itself: used when no library declares them.
const BUILTIN_OVERLOADS: ReadonlyMap<string, readonly Overload[]> = new Map([
  ["_?_:_", [{ id: "conditional", name: "_?_:_", member: false, params: [T.bool, T.param("A"), T.param("A")], result: T.param("A") }]],
  ["@not_strictly_false", [{ id: "not_strictly_false", name: "@not_strictly_false", member: false, params: [T.bool], result: T.bool }]],
  ["_&&_", [{ id: "logical_and", name: "_&&_", member: false, params: [T.bool, T.bool], result: T.bool }]],
  ["_||_", [{ id: "logical_or", name: "_||_", member: false, params: [T.bool, T.bool], result: T.bool }]],
]);

/** `Object` and `Object.x.y` (MutatingAdmissionPolicy apply configurations) are open types with dyn fields. */
function isOpenObjectName(name: string, env: Env): boolean {
  return (name === "Object" || name.startsWith("Object.")) && env.objectSchemas.has("Object");
}

function qualifiedName(e: Expr): string | undefined {
  if (e.k === "ident") return e.name;
  if (e.k === "select" && !e.test && !e.optional) {
    const q = qualifiedName(e.operand);
    return q === undefined ? undefined : `${q}.${e.field}`;
  }
  return undefined;
}

function rootIdent(e: Expr): string | undefined {
  if (e.k === "ident") return e.name;
  if (e.k === "select") return rootIdent(e.operand);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The checker

class Checker {
  readonly types = new Map<number, CelType>();
  readonly refs = new Map<number, Overload[]>();
  readonly issues: RawIssue[] = [];
  private readonly m = new Mapping();
  private counter = 0;
  private readonly scopes: Map<string, CelType>[] = [];

  constructor(private readonly env: Env) {}

  private err(pos: number, message: string): void {
    this.issues.push({ offset: pos, message });
  }

  private typeOf(e: Expr): CelType {
    return this.types.get(e.id) ?? ERR;
  }

  private setType(e: { id: number }, t: CelType): void {
    this.types.set(e.id, t);
  }

  private newTypeVar(): CelType {
    return T.param(`_var${this.counter++}`);
  }

  private isAssignable(t1: CelType, t2: CelType): boolean {
    const mark = this.m.mark();
    if (internalIsAssignable(this.m, t1, t2)) return true;
    this.m.rollback(mark);
    return false;
  }

  private isAssignableList(l1: readonly CelType[], l2: readonly CelType[]): boolean {
    const mark = this.m.mark();
    if (internalIsAssignableList(this.m, l1, l2)) return true;
    this.m.rollback(mark);
    return false;
  }

  finalize(): void {
    for (const [id, t] of this.types) this.types.set(id, substitute(this.m, t, true));
  }

  private lookupIdent(name: string): CelType | undefined {
    if (name.startsWith(".")) return this.lookupGlobal(name.slice(1));
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]!.get(name);
      if (t !== undefined) return t;
    }
    return this.lookupGlobal(name);
  }

  private lookupGlobal(name: string): CelType | undefined {
    return this.env.vars.get(name) ?? this.env.idents.get(name)?.type;
  }

  private inScope(name: string): boolean {
    return this.scopes.some((s) => s.has(name));
  }

  check(e: Expr): void {
    switch (e.k) {
      case "lit":
        this.setType(e, literalType(e.value));
        return;
      case "ident": {
        const t = this.lookupIdent(e.name);
        if (t !== undefined) {
          this.setType(e, t);
          return;
        }
        this.setType(e, ERR);
        this.err(e.pos, `undeclared reference to '${e.name.startsWith(".") ? e.name.slice(1) : e.name}' (in container '')`);
        return;
      }
      case "select":
        this.checkSelect(e);
        return;
      case "call":
        this.checkCall(e);
        return;
      case "list":
        this.checkList(e.elems, e.optionalIndices, e);
        return;
      case "map":
        this.checkMap(e);
        return;
      case "struct":
        this.checkStruct(e);
        return;
      case "comp":
        this.checkComprehension(e);
        return;
    }
  }

  private checkSelect(e: Select): void {
    if (!e.test && !e.optional) {
      const q = qualifiedName(e);
      const root = rootIdent(e);
      if (q !== undefined && root !== undefined && !this.inScope(root)) {
        const t = this.lookupGlobal(q.startsWith(".") ? q.slice(1) : q);
        if (t !== undefined) {
          this.setType(e, t);
          return;
        }
      }
    }
    let result = this.checkSelectField(e, e.operand, e.field, e.optional);
    if (e.test) result = T.bool;
    this.setType(e, substitute(this.m, result, false));
  }

  private checkSelectField(e: Expr, operand: Expr, field: string, optional: boolean): CelType {
    this.check(operand);
    const operandType = substitute(this.m, this.typeOf(operand), false);
    const [target, isOpt] = unwrapOptional(operandType);
    let result: CelType = ERR;
    switch (target.k) {
      case "map":
        result = target.value;
        break;
      case "object": {
        const ft = this.lookupFieldType(e.pos, target.name, field);
        if (ft !== undefined) result = ft;
        break;
      }
      case "param":
        this.isAssignable(T.dyn, target);
        result = T.dyn;
        break;
      default:
        if (!isDynOrError(target)) this.err(e.pos, `type '${fmtType(target)}' does not support field selection`);
        result = T.dyn;
    }
    return isOpt || optional ? T.optional(result) : result;
  }

  private lookupFieldType(pos: number, typeName: string, field: string): CelType | undefined {
    if (isOpenObjectName(typeName, this.env)) return T.dyn;
    const schema = this.env.objectSchemas.get(typeName);
    if (!schema) {
      this.err(pos, `unexpected failed resolution of '${typeName}'`);
      return undefined;
    }
    const ft = schema.get(field);
    if (ft === undefined) {
      this.err(pos, `undefined field '${field}'`);
      return undefined;
    }
    return ft;
  }

  private findOverloads(name: string): readonly Overload[] | undefined {
    const o = this.env.overloads.get(name);
    if (o && o.length) return o;
    return BUILTIN_OVERLOADS.get(name);
  }

  private checkCall(e: Call): void {
    for (const a of e.args) this.check(a);
    if (!e.target) {
      const ovs = this.findOverloads(e.fn);
      if (!ovs) {
        this.err(e.pos, `undeclared reference to '${e.fn}' (in container '')`);
        this.setType(e, ERR);
        return;
      }
      this.resolve(e, e.fn, ovs, undefined);
      return;
    }
    // namespaced global function written as a member call (`sets.contains(a, b)`), when the root is not a variable
    const q = qualifiedName(e.target);
    if (q !== undefined) {
      const root = q.split(".")[0]!;
      const full = `${q}.${e.fn}`;
      const ovs = this.env.overloads.get(full);
      if (ovs && ovs.length && !this.env.vars.has(root) && !this.inScope(root)) {
        this.resolve(e, full, ovs, undefined);
        return;
      }
    }
    this.check(e.target);
    const ovs = this.findOverloads(e.fn);
    if (!ovs) {
      this.setType(e, ERR);
      this.err(e.pos, `undeclared reference to '${e.fn}' (in container '')`);
      return;
    }
    this.resolve(e, e.fn, ovs, e.target);
  }

  private resolve(e: Call, name: string, ovs: readonly Overload[], target: Expr | undefined): void {
    const argExprs = target ? [target, ...e.args] : e.args;
    const argTypes = argExprs.map((a) => this.typeOf(a));
    if (name === "_&&_" || name === "_||_") {
      let bad = false;
      argTypes.forEach((t, i) => {
        if (!this.isAssignable(t, T.bool)) {
          this.err(argExprs[i]!.pos, `expected type 'bool' but found '${fmtType(t)}'`);
          bad = true;
        }
      });
      this.setType(e, bad ? ERR : T.bool);
      if (!bad) this.refs.set(e.id, [...ovs]);
      return;
    }
    let result: CelType | undefined;
    const matched: Overload[] = [];
    for (const ov of ovs) {
      if ((target === undefined) === ov.member) continue;
      let params: readonly CelType[] = ov.params;
      let res = ov.result;
      const tps = typeParamsOf(ov);
      if (tps.length) {
        const sub = new Mapping();
        for (const p of tps) sub.add(T.param(p), this.newTypeVar());
        params = params.map((p) => substitute(sub, p, false));
        res = substitute(sub, res, false);
      }
      if (this.isAssignableList(argTypes, params)) {
        matched.push(ov);
        const fr = substitute(this.m, res, false);
        if (result === undefined) result = fr;
        else if (!isDyn(result) && !typeEquals(fr, result)) result = T.dyn;
      }
    }
    if (result === undefined) {
      const shown = argTypes.map((t) => substitute(this.m, t, true));
      this.err(e.pos, `found no matching overload for '${name}' applied to '${fmtCall(shown, target !== undefined)}'`);
      this.setType(e, ERR);
      return;
    }
    this.setType(e, result);
    this.refs.set(e.id, matched);
  }

  private joinTypes(previous: CelType | undefined, current: CelType): CelType {
    if (previous === undefined) return current;
    if (this.isAssignable(previous, current)) return mostGeneral(previous, current);
    // Kubernetes' HomogeneousAggregateLiterals is an AST validator in cel-go 0.26: the checker itself joins to dyn
    return T.dyn;
  }

  private unwrapOptionalEntry(value: Expr, t: CelType): CelType {
    const [inner, isOpt] = unwrapOptional(t);
    if (!isOpt && !isDyn(inner)) this.err(value.pos, `expected type '${fmtType(T.optional(inner))}' but found '${fmtType(inner)}'`);
    return inner;
  }

  private checkList(elems: readonly Expr[], optionalIndices: readonly number[], e: Expr): void {
    let elemsType: CelType | undefined;
    elems.forEach((el, i) => {
      this.check(el);
      let t = this.typeOf(el);
      if (optionalIndices.includes(i)) t = this.unwrapOptionalEntry(el, t);
      elemsType = this.joinTypes(elemsType, t);
    });
    this.setType(e, T.list(elemsType ?? this.newTypeVar()));
  }

  private checkMap(e: Extract<Expr, { k: "map" }>): void {
    let kt: CelType | undefined;
    let vt: CelType | undefined;
    for (const ent of e.entries) {
      this.check(ent.key);
      kt = this.joinTypes(kt, this.typeOf(ent.key));
      this.check(ent.value);
      let t = this.typeOf(ent.value);
      if (ent.optional) t = this.unwrapOptionalEntry(ent.value, t);
      vt = this.joinTypes(vt, t);
    }
    if (kt === undefined || vt === undefined) {
      kt = this.newTypeVar();
      vt = this.newTypeVar();
    }
    this.setType(e, T.map(kt, vt));
  }

  private checkStruct(e: CreateStruct): void {
    const name = e.typeName.startsWith(".") ? e.typeName.slice(1) : e.typeName;
    let result: CelType = ERR;
    let known = false;
    if (this.env.objectSchemas.has(name) || isOpenObjectName(name, this.env)) {
      result = T.object(name);
      known = true;
    } else {
      const ident = this.lookupGlobal(name);
      if (ident === undefined) {
        this.err(e.pos, `undeclared reference to '${name}' (in container '')`);
        this.setType(e, ERR);
        // cel-go returns without checking the field initializers
        return;
      }
      if (ident.k !== "error") {
        if (ident.k !== "type") this.err(e.pos, `'${fmtType(ident)}' is not a type`);
        else this.err(e.pos, `'${fmtType(ident.of)}' is not a message type`);
      }
    }
    this.setType(e, result);
    for (const f of e.fields) {
      this.check(f.value);
      let ft: CelType = ERR;
      if (known) ft = this.lookupFieldType(f.pos, name, f.name) ?? ERR;
      else this.err(f.pos, `unexpected failed resolution of '${name}'`);
      let vt = this.typeOf(f.value);
      if (f.optional) vt = this.unwrapOptionalEntry(f.value, vt);
      if (!this.isAssignable(ft, vt)) {
        this.err(f.pos, `expected type of field '${f.name}' is '${fmtType(ft)}' but provided type is '${fmtType(vt)}'`);
      }
    }
  }

  private checkComprehension(e: Comprehension): void {
    this.check(e.iterRange);
    this.check(e.accuInit);
    const rangeType = substitute(this.m, this.typeOf(e.iterRange), false);
    const accuType = this.typeOf(e.accuInit);
    this.scopes.push(new Map([[e.accuVar, accuType]]));
    const two = e.iterVar2 !== "";
    let varType: CelType;
    let var2Type: CelType = ERR;
    switch (rangeType.k) {
      case "list":
        varType = rangeType.elem;
        if (two) {
          var2Type = varType;
          varType = T.int;
        }
        break;
      case "map":
        varType = rangeType.key;
        if (two) var2Type = rangeType.value;
        break;
      case "dyn":
      case "error":
      case "param":
        this.isAssignable(T.dyn, rangeType);
        varType = T.dyn;
        var2Type = T.dyn;
        break;
      default:
        this.err(
          e.iterRange.pos,
          `expression of type '${fmtType(rangeType)}' cannot be range of a comprehension (must be list, map, or dynamic)`,
        );
        varType = ERR;
        var2Type = ERR;
    }
    const loop = new Map<string, CelType>([[e.iterVar, varType]]);
    if (two) loop.set(e.iterVar2, var2Type);
    this.scopes.push(loop);
    this.check(e.loopCondition);
    this.assertType(e.loopCondition, T.bool);
    this.check(e.loopStep);
    this.assertType(e.loopStep, accuType);
    this.scopes.pop();
    this.check(e.result);
    this.scopes.pop();
    this.setType(e, substitute(this.m, this.typeOf(e.result), false));
  }

  private assertType(e: Expr, t: CelType): void {
    const actual = this.typeOf(e);
    if (!this.isAssignable(t, actual)) this.err(e.pos, `expected type '${fmtType(t)}' but found '${fmtType(actual)}'`);
  }
}

export interface CheckOptions {
  /** Run the Kubernetes AST validators and plan-time regex checks after a clean check (default true). */
  validators?: boolean;
}

function toIssues(source: string, raw: readonly RawIssue[]): CelIssue[] {
  return raw
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.offset - b.r.offset || a.i - b.i)
    .map(({ r }) => ({ message: r.message, offset: r.offset, ...locate(source, r.offset) }));
}

/**
 * Type-check a parsed (namespace-resolved) expression in `env`. Issues are cel-go style compile errors: syntax
 * not enabled in this environment version, type errors, then (only when those are clean) the Kubernetes AST
 * validators and the plan-time regex constant checks.
 */
export function check(parsed: ParsedExpr, env: Env, opts: CheckOptions = {}): CheckResult {
  const gate = syntaxGate(parsed.expr, env, parsed.source);
  if (gate.length) {
    return { type: ERR, issues: toIssues(parsed.source, gate), refs: new Map(), types: new Map() };
  }
  const c = new Checker(env);
  c.check(parsed.expr);
  c.finalize();
  const raw: RawIssue[] = [...c.issues];
  if (opts.validators !== false) {
    if (!raw.length) runValidators(parsed.expr, c.types, c.refs, env, raw);
    if (!raw.length) runPlanChecks(parsed.expr, raw);
  }
  return {
    type: c.types.get(parsed.expr.id) ?? ERR,
    issues: toIssues(parsed.source, raw),
    refs: c.refs,
    types: c.types,
  };
}
