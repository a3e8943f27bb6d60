// Top-down Rego evaluation by backtracking: bodies, unification, refs over base and virtual documents, rules
// (complete, partial set, partial object / general ref heads, default, else), functions, comprehensions, `some`,
// `every`, `not`, `and` / `or` / `not { }` and `with`. Continuations return true to stop the enumeration early
// (negation, `every`, logical operands).
import type { Body, Expr, Term, With } from "../ast.js";
import { equal, fromJSON, isArray, keyOf, RObject, RSet, type Value } from "../value.js";
import { BUILTINS, BuiltinError } from "./builtins/index.js";
import { refPath, type CompiledProgram } from "./compile.js";
import { RegoError } from "./errors.js";
import { hasOwnRules, type CompiledRule, type RuleNode } from "./program.js";
import { sourceName } from "./vars.js";
import { renderTemplatePart } from "./template.js";

/** Continuation after a solution; true stops the enumeration. */
type Next = () => boolean;
/** Continuation receiving a value. */
type Emit = (value: Value) => boolean;

interface DataOverride {
  path: string[];
  value: Value;
}

export interface EvalContext {
  program: CompiledProgram;
  input: Value | undefined;
  data: Value | undefined;
  overrides: DataOverride[];
  /** `with f as g`: a function name → the replacing function's name or a constant value. */
  mocks: Map<string, { fn: string } | { value: Value }>;
  cache: Map<RuleNode, Value | undefined>;
  inProgress: Set<RuleNode>;
  strict: boolean;
}

export class Frame {
  readonly vars = new Map<string, Value>();
}

export function newContext(program: CompiledProgram, input: Value | undefined, data: Value | undefined, strict: boolean): EvalContext {
  return { program, input, data, overrides: [], mocks: new Map(), cache: new Map(), inProgress: new Set(), strict };
}

function bindThen(frame: Frame, name: string, value: Value, next: Next): boolean {
  frame.vars.set(name, value);
  try {
    return next();
  } finally {
    frame.vars.delete(name);
  }
}

// ---- bodies and expressions ------------------------------------------------------------------------------------

export function evalBody(body: Body, index: number, frame: Frame, ctx: EvalContext, next: Next): boolean {
  if (index === body.length) return next();
  return evalExpr(body[index]!, frame, ctx, () => evalBody(body, index + 1, frame, ctx, next));
}

function evalExpr(expr: Expr, frame: Frame, ctx: EvalContext, next: Next): boolean {
  const scoped = expr.with.length > 0 ? applyWith(expr.with, frame, ctx) : ctx;
  if (expr.negated) {
    let found = false;
    evalExprCore(expr, frame, scoped, () => (found = true));
    return found ? false : next();
  }
  return evalExprCore(expr, frame, scoped, next);
}

function evalExprCore(expr: Expr, frame: Frame, ctx: EvalContext, next: Next): boolean {
  switch (expr.type) {
    case "term":
      return evalTermExpr(expr.term, frame, ctx, next);
    case "some":
      return next();
    case "somein":
      return evalTerm(expr.domain, frame, ctx, (domain) =>
        forEachMember(domain, (key, value) =>
          unifyValue(expr.value, value, frame, ctx, () => (expr.key ? unifyValue(expr.key, key, frame, ctx, next) : next())),
        ),
      );
    case "every":
      return evalEvery(expr, frame, ctx, next);
    case "and":
      return expr.operands.every((operand) => succeeds(operand, frame, ctx)) ? next() : false;
    case "or":
      return expr.operands.some((operand) => succeeds(operand, frame, ctx)) ? next() : false;
    case "notbody":
      return succeeds(expr.body, frame, ctx) ? false : next();
  }
}

/** Whether a nested body has a solution; stops at the first, and leaves no binding behind. */
function succeeds(body: Body, frame: Frame, ctx: EvalContext): boolean {
  let found = false;
  evalBody(body, 0, frame, ctx, () => (found = true));
  return found;
}

function evalEvery(expr: Extract<Expr, { type: "every" }>, frame: Frame, ctx: EvalContext, next: Next): boolean {
  let defined = false;
  let holds = true;
  evalTerm(expr.domain, frame, ctx, (domain) => {
    if (!isArray(domain) && !(domain instanceof RObject) && !(domain instanceof RSet)) return true;
    defined = true;
    forEachMember(domain, (key, value) => {
      let found = false;
      unifyValue(expr.value, value, frame, ctx, () =>
        expr.key ? unifyValue(expr.key, key, frame, ctx, () => evalBody(expr.body, 0, frame, ctx, () => (found = true))) : evalBody(expr.body, 0, frame, ctx, () => (found = true)),
      );
      if (!found) holds = false;
      return !holds;
    });
    return true;
  });
  return defined && holds ? next() : false;
}

/** Calls `each(key, value)` for every member: array (index, item), object (key, value), set (item, item). */
function forEachMember(collection: Value, each: (key: Value, value: Value) => boolean): boolean {
  if (isArray(collection)) {
    for (let index = 0; index < collection.length; index++) if (each(index, collection[index]!)) return true;
  } else if (collection instanceof RObject) {
    for (const [key, value] of collection.entries()) if (each(key, value)) return true;
  } else if (collection instanceof RSet) {
    for (const item of collection) if (each(item, item)) return true;
  }
  return false;
}

function evalTermExpr(term: Term, frame: Frame, ctx: EvalContext, next: Next): boolean {
  if (term.type === "call") {
    if (term.name === "eq" || term.name === "assign") return unify(term.args[0]!, term.args[1]!, frame, ctx, next);
    const arity = ctx.program.arityOf(term.name);
    if (arity !== undefined && term.args.length === arity + 1) {
      const call = { ...term, args: term.args.slice(0, arity) };
      return evalCall(call, frame, ctx, (result) => unifyValue(term.args[arity]!, result, frame, ctx, next));
    }
  }
  return evalTerm(term, frame, ctx, (value) => (value === false ? false : next()));
}

// ---- with ------------------------------------------------------------------------------------------------------

function applyWith(withs: readonly With[], frame: Frame, ctx: EvalContext): EvalContext {
  let scoped: EvalContext = { ...ctx, overrides: [...ctx.overrides], mocks: new Map(ctx.mocks), cache: new Map(), inProgress: new Set() };
  for (const w of withs) {
    const path = refPath(w.target) ?? [];
    if (path[0] === "input") {
      const value = firstValue(w.value, frame, ctx);
      scoped = { ...scoped, input: value === undefined ? undefined : setPath(scoped.input, path.slice(1), value) };
    } else if (path[0] === "data" && !ctx.program.functions.has(path.join("."))) {
      const value = firstValue(w.value, frame, ctx);
      if (value === undefined) continue;
      if (replacesVirtual(ctx.program.root, path.slice(1))) scoped.overrides.push({ path: path.slice(1), value });
      else scoped = { ...scoped, data: setPath(scoped.data, path.slice(1), value) };
    } else {
      const replacement = functionName(w.value, ctx);
      if (replacement) scoped.mocks.set(path.join("."), { fn: replacement });
      else {
        const value = firstValue(w.value, frame, ctx);
        if (value !== undefined) scoped.mocks.set(path.join("."), { value });
      }
    }
  }
  return scoped;
}

/** Whether `with data.<path>` replaces a virtual document (a rule, or a package subtree) rather than base data. */
function replacesVirtual(root: RuleNode, path: readonly string[]): boolean {
  let node: RuleNode | undefined = root;
  for (const segment of path) {
    if (hasOwnRules(node)) return true;
    node = node.children.get(segment);
    if (!node) return false;
  }
  return true;
}

function functionName(term: Term, ctx: EvalContext): string | undefined {
  const path = refPath(term);
  if (!path) return undefined;
  const name = path.join(".");
  return ctx.program.functions.has(name) || BUILTINS.has(name) ? name : undefined;
}

function firstValue(term: Term, frame: Frame, ctx: EvalContext): Value | undefined {
  let result: Value | undefined;
  evalTerm(term, frame, ctx, (value) => {
    result = value;
    return true;
  });
  return result;
}

function setPath(target: Value | undefined, path: readonly string[], value: Value): Value {
  if (path.length === 0) return value;
  const base = target instanceof RObject ? target : new RObject();
  const entries = new Map(base.entries() ? [...base.entries()].map(([k, v]) => [keyOf(k), [k, v] as [Value, Value]]) : []);
  const [head, ...rest] = path;
  entries.set(keyOf(head!), [head!, setPath(base.get(head!), rest, value)]);
  return new RObject(entries.values());
}

// ---- unification -----------------------------------------------------------------------------------------------

function isUnboundVar(term: Term, frame: Frame): term is Extract<Term, { type: "var" }> {
  return term.type === "var" && !frame.vars.has(term.name) && term.name !== "input" && term.name !== "data";
}

function hasUnboundPattern(term: Term, frame: Frame): boolean {
  switch (term.type) {
    case "var":
      return isUnboundVar(term, frame);
    case "array":
      return term.items.some((item) => hasUnboundPattern(item, frame));
    case "object":
      return term.entries.some(([, value]) => hasUnboundPattern(value, frame));
    default:
      return false;
  }
}

function unify(left: Term, right: Term, frame: Frame, ctx: EvalContext, next: Next): boolean {
  const bothPatterns = hasUnboundPattern(left, frame) && hasUnboundPattern(right, frame);
  if (left.type === "array" && right.type === "array" && bothPatterns) {
    if (left.items.length !== right.items.length) return false;
    const step = (index: number): boolean => (index === left.items.length ? next() : unify(left.items[index]!, right.items[index]!, frame, ctx, () => step(index + 1)));
    return step(0);
  }
  if (left.type === "object" && right.type === "object" && bothPatterns) return unifyObjects(left, right, frame, ctx, next);
  if (hasUnboundPattern(left, frame)) {
    if (hasUnboundPattern(right, frame) && isUnboundVar(left, frame) && isUnboundVar(right, frame)) {
      throw new RegoError("rego_unsafe_var_error", `var ${sourceName(left.name)} is unsafe`, left.loc);
    }
    return evalTerm(right, frame, ctx, (value) => unifyValue(left, value, frame, ctx, next));
  }
  return evalTerm(left, frame, ctx, (value) => unifyValue(right, value, frame, ctx, next));
}

/** `{"a": x, "b": 1} = {"a": 1, "b": y}`: pairs up the values of equal (ground) keys. */
function unifyObjects(left: Extract<Term, { type: "object" }>, right: Extract<Term, { type: "object" }>, frame: Frame, ctx: EvalContext, next: Next): boolean {
  if (left.entries.length !== right.entries.length) return false;
  const keyed = (entries: [Term, Term][]): Map<string, Term> | undefined => {
    const out = new Map<string, Term>();
    for (const [keyTerm, valueTerm] of entries) {
      const key = firstValue(keyTerm, frame, ctx);
      if (key === undefined) return undefined;
      out.set(keyOf(key), valueTerm);
    }
    return out;
  };
  const leftByKey = keyed(left.entries);
  const rightByKey = keyed(right.entries);
  if (!leftByKey || !rightByKey || leftByKey.size !== rightByKey.size) return false;
  const pairs = [...leftByKey].map(([key, term]) => [term, rightByKey.get(key)] as const);
  if (pairs.some(([, other]) => other === undefined)) return false;
  const step = (index: number): boolean => (index === pairs.length ? next() : unify(pairs[index]![0], pairs[index]![1]!, frame, ctx, () => step(index + 1)));
  return step(0);
}

/** Matches a (pattern) term against a value, binding the pattern's unbound vars. */
export function unifyValue(pattern: Term, value: Value, frame: Frame, ctx: EvalContext, next: Next): boolean {
  switch (pattern.type) {
    case "var":
      if (isUnboundVar(pattern, frame)) return bindThen(frame, pattern.name, value, next);
      break;
    case "array": {
      if (!hasUnboundPattern(pattern, frame)) break;
      if (!isArray(value) || value.length !== pattern.items.length) return false;
      const step = (index: number): boolean => (index === value.length ? next() : unifyValue(pattern.items[index]!, value[index]!, frame, ctx, () => step(index + 1)));
      return step(0);
    }
    case "object": {
      if (!hasUnboundPattern(pattern, frame)) break;
      if (!(value instanceof RObject) || value.size !== pattern.entries.length) return false;
      const step = (index: number): boolean => {
        if (index === pattern.entries.length) return next();
        const [keyTerm, valueTerm] = pattern.entries[index]!;
        return evalTerm(keyTerm, frame, ctx, (key) => {
          const member = value.get(key);
          return member === undefined ? false : unifyValue(valueTerm, member, frame, ctx, () => step(index + 1));
        });
      };
      return step(0);
    }
    default:
      break;
  }
  return evalTerm(pattern, frame, ctx, (own) => (equal(own, value) ? next() : false));
}

// ---- terms -----------------------------------------------------------------------------------------------------

export function evalTerm(term: Term, frame: Frame, ctx: EvalContext, emit: Emit): boolean {
  switch (term.type) {
    case "null":
      return emit(null);
    case "boolean":
      return emit(term.value);
    case "number":
      return emit(Number(term.text));
    case "string":
      return emit(term.value);
    case "var":
      return evalVar(term, frame, ctx, emit);
    case "ref":
      return evalRef(term, frame, ctx, emit);
    case "array":
      return evalTerms(term.items, frame, ctx, (items) => emit(items));
    case "set":
      return evalTerms(term.items, frame, ctx, (items) => emit(new RSet(items)));
    case "object":
      return evalTerms(
        term.entries.flatMap(([key, value]) => [key, value]),
        frame,
        ctx,
        (flat) => emit(new RObject(pairs(flat))),
      );
    case "arraycomp": {
      const items: Value[] = [];
      evalBody(term.body, 0, frame, ctx, () => evalTerm(term.head, frame, ctx, (value) => items.push(value) < 0));
      return emit(items);
    }
    case "setcomp": {
      const items: Value[] = [];
      evalBody(term.body, 0, frame, ctx, () => evalTerm(term.head, frame, ctx, (value) => items.push(value) < 0));
      return emit(new RSet(items));
    }
    case "objectcomp":
      return emit(objectComprehension(term, frame, ctx));
    case "call":
      return evalCall(term, frame, ctx, emit);
    case "template":
      return emit(term.parts.map((part, index) => (typeof part === "string" ? part : templatePart(part, term.withs?.[index] ?? [], frame, ctx))).join(""));
  }
}

/** One expression part of a template string, evaluated on its own like a set comprehension (with its `with`s). */
function templatePart(part: Term, withs: readonly With[], frame: Frame, ctx: EvalContext): string {
  const scoped = withs.length > 0 ? applyWith(withs, frame, ctx) : ctx;
  const values = new Map<string, Value>();
  evalTerm(part, frame, scoped, (value) => {
    values.set(keyOf(value), value);
    return false;
  });
  return renderTemplatePart([...values.values()], part.loc);
}

function pairs(flat: readonly Value[]): [Value, Value][] {
  const out: [Value, Value][] = [];
  for (let index = 0; index < flat.length; index += 2) out.push([flat[index]!, flat[index + 1]!]);
  return out;
}

function objectComprehension(term: Extract<Term, { type: "objectcomp" }>, frame: Frame, ctx: EvalContext): RObject {
  const entries = new Map<string, [Value, Value]>();
  evalBody(term.body, 0, frame, ctx, () =>
    evalTerm(term.key, frame, ctx, (key) =>
      evalTerm(term.value, frame, ctx, (value) => {
        const existing = entries.get(keyOf(key));
        if (existing && !equal(existing[1], value)) throw new RegoError("eval_conflict_error", "object keys must be unique", term.loc);
        entries.set(keyOf(key), [key, value]);
        return false;
      }),
    ),
  );
  return new RObject(entries.values());
}

/** Evaluates terms left to right, enumerating every combination of their values. */
function evalTerms(terms: readonly Term[], frame: Frame, ctx: EvalContext, emit: (values: Value[]) => boolean): boolean {
  const values: Value[] = [];
  const step = (index: number): boolean => {
    if (index === terms.length) return emit([...values]);
    return evalTerm(terms[index]!, frame, ctx, (value) => {
      values[index] = value;
      return step(index + 1);
    });
  };
  return step(0);
}

function evalVar(term: Extract<Term, { type: "var" }>, frame: Frame, ctx: EvalContext, emit: Emit): boolean {
  const bound = frame.vars.get(term.name);
  if (bound !== undefined) return emit(bound);
  if (term.name === "input") return ctx.input === undefined ? false : emit(ctx.input);
  if (term.name === "data") return walkData(ctx.program.root, ctx.data, [], 0, frame, ctx, emit, []);
  throw new RegoError("rego_unsafe_var_error", `var ${sourceName(term.name)} is unsafe`, term.loc);
}

// ---- refs ------------------------------------------------------------------------------------------------------

function evalRef(ref: Extract<Term, { type: "ref" }>, frame: Frame, ctx: EvalContext, emit: Emit): boolean {
  const head = ref.head;
  if (head.type === "var" && !frame.vars.has(head.name)) {
    if (head.name === "data") return walkData(ctx.program.root, ctx.data, ref.path, 0, frame, ctx, emit, []);
    if (head.name === "input") return ctx.input === undefined ? false : walkValue(ctx.input, ref.path, 0, frame, ctx, emit);
  }
  return evalTerm(head, frame, ctx, (value) => walkValue(value, ref.path, 0, frame, ctx, emit));
}

function child(collection: Value, key: Value): Value | undefined {
  if (isArray(collection)) return typeof key === "number" && Number.isInteger(key) && key >= 0 && key < collection.length ? collection[key] : undefined;
  if (collection instanceof RObject) return collection.get(key);
  if (collection instanceof RSet) return collection.has(key) ? key : undefined;
  return undefined;
}

/** A base document's member as the store reads it: its paths are strings, so `data.x[2]` finds the key "2". */
function storageChild(collection: Value, key: Value): Value | undefined {
  const member = child(collection, key);
  if (member !== undefined || typeof key !== "number" || !(collection instanceof RObject)) return member;
  return collection.get(String(key));
}

/** Walks `path` from `value`; `storage`: the value is base data under `data` (see storageChild). */
function walkValue(value: Value, path: readonly Term[], index: number, frame: Frame, ctx: EvalContext, emit: Emit, storage = false): boolean {
  if (index === path.length) return emit(value);
  const element = path[index]!;
  const rest = (member: Value): boolean => walkValue(member, path, index + 1, frame, ctx, emit, storage);
  if (isUnboundVar(element, frame)) return forEachMember(value, (key, member) => bindThen(frame, element.name, key, () => rest(member)));
  if (hasUnboundPattern(element, frame)) return forEachMember(value, (key, member) => unifyValue(element, key, frame, ctx, () => rest(member)));
  return evalTerm(element, frame, ctx, (key) => {
    const member = storage ? storageChild(value, key) : child(value, key);
    return member === undefined ? false : rest(member);
  });
}

function walkData(
  node: RuleNode | undefined,
  base: Value | undefined,
  path: readonly Term[],
  index: number,
  frame: Frame,
  ctx: EvalContext,
  emit: Emit,
  at: string[],
): boolean {
  const override = ctx.overrides.length > 0 ? findOverride(ctx, at) : undefined;
  if (override !== undefined) return walkValue(override, path, index, frame, ctx, emit);
  if (!node) return base === undefined ? false : walkValue(base, path, index, frame, ctx, emit, true);
  if (index === path.length || hasOwnRules(node)) {
    const value = nodeValue(node, base, ctx);
    return value === undefined ? false : walkValue(value, path, index, frame, ctx, emit);
  }
  const element = path[index]!;
  if (element.type !== "string" && (isUnboundVar(element, frame) || hasUnboundPattern(element, frame))) {
    const value = nodeValue(node, base, ctx);
    return value === undefined ? false : walkValue(value, path, index, frame, ctx, emit);
  }
  return evalTerm(element, frame, ctx, (key) => {
    const next = typeof key === "string" ? node.children.get(key) : undefined;
    const baseChild = base === undefined ? undefined : storageChild(base, key);
    if (next) return walkData(next, baseChild, path, index + 1, frame, ctx, emit, [...at, key as string]);
    if (ctx.overrides.length > 0 && typeof key === "string") return walkData(undefined, baseChild, path, index + 1, frame, ctx, emit, [...at, key]);
    return baseChild === undefined ? false : walkValue(baseChild, path, index + 1, frame, ctx, emit, true);
  });
}

function findOverride(ctx: EvalContext, at: readonly string[]): Value | undefined {
  for (let i = ctx.overrides.length - 1; i >= 0; i--) {
    const candidate = ctx.overrides[i]!;
    if (candidate.path.length === at.length && candidate.path.every((segment, j) => segment === at[j])) return candidate.value;
  }
  return undefined;
}

// ---- virtual documents -----------------------------------------------------------------------------------------

/** The value of the document at a rule node (merged with base data), cached per context. */
export function nodeValue(node: RuleNode, base: Value | undefined, ctx: EvalContext): Value | undefined {
  if (ctx.cache.has(node)) return ctx.cache.get(node);
  if (ctx.inProgress.has(node)) throw new RegoError("rego_recursion_error", `rule data.${node.path.join(".")} is recursive`);
  ctx.inProgress.add(node);
  try {
    const value = computeNodeValue(node, base, ctx);
    ctx.cache.set(node, value);
    return value;
  } finally {
    ctx.inProgress.delete(node);
  }
}

function computeNodeValue(node: RuleNode, base: Value | undefined, ctx: EvalContext): Value | undefined {
  if (node.complete.length > 0 || node.defaults.length > 0) return completeValue(node, ctx);
  if (node.partialSets.length > 0) return partialSetValue(node, ctx);
  const builder = new ObjectBuilder();
  if (base instanceof RObject) for (const [key, value] of base.entries()) builder.set([key], value, undefined);
  else if (base !== undefined && !node.virtual) return base;
  for (const [name, childNode] of node.children) {
    const baseChild = base instanceof RObject ? base.get(name) : undefined;
    const value = findOverride(ctx, childNode.path) ?? childValue(childNode, baseChild, ctx);
    if (value !== undefined) builder.set([name], value, undefined);
  }
  for (const compiled of node.dynamic) {
    const isSet = compiled.rule.kind === "partialset";
    ruleSolutions(compiled, ctx, (frame) =>
      evalTerms(compiled.suffix, frame, ctx, (keys) =>
        isSet
          ? evalTerm(compiled.rule.head.key ?? compiled.rule.head.value!, frame, ctx, (item) => {
              builder.addToSet(keys, item, compiled);
              return false;
            })
          : headValue(compiled.rule.head.value, frame, ctx, (value) => {
              builder.set(keys, value, compiled);
              return false;
            }),
      ),
    );
  }
  if (builder.empty && !node.virtual && base === undefined) return undefined;
  return builder.build();
}

/** A child document inside its parent: where rules and base data both define it, objects merge and otherwise the
 *  base document wins, as in OPA. */
function childValue(node: RuleNode, base: Value | undefined, ctx: EvalContext): Value | undefined {
  const virtual = nodeValue(node, base, ctx);
  if (virtual === undefined || base === undefined || !hasOwnRules(node)) return virtual;
  return mergeBase(base, virtual);
}

function mergeBase(base: Value, virtual: Value): Value {
  if (!(base instanceof RObject) || !(virtual instanceof RObject)) return base;
  const entries = new Map<string, [Value, Value]>();
  for (const [key, value] of virtual.entries()) entries.set(keyOf(key), [key, value]);
  for (const [key, value] of base.entries()) {
    const other = entries.get(keyOf(key));
    entries.set(keyOf(key), [key, other === undefined ? value : mergeBase(value, other[1])]);
  }
  return new RObject(entries.values());
}

function completeValue(node: RuleNode, ctx: EvalContext): Value | undefined {
  const values = new Map<string, Value>();
  for (const compiled of node.complete) {
    ruleValues(compiled, ctx, (value) => {
      values.set(keyOf(value), value);
      if (values.size > 1) throw new RegoError("eval_conflict_error", "complete rules must not produce multiple outputs", compiled.rule.loc);
      return false;
    });
  }
  if (values.size === 1) return values.values().next().value;
  for (const compiled of node.defaults) {
    const value = firstValue(compiled.rule.head.value ?? { type: "boolean", value: true, loc: compiled.rule.loc }, new Frame(), ctx);
    if (value !== undefined) return value;
  }
  return undefined;
}

function partialSetValue(node: RuleNode, ctx: EvalContext): RSet {
  const items: Value[] = [];
  for (const compiled of node.partialSets) {
    ruleSolutions(compiled, ctx, (frame) =>
      evalTerm(compiled.rule.head.key ?? compiled.rule.head.value!, frame, ctx, (item) => {
        items.push(item);
        return false;
      }),
    );
  }
  return new RSet(items);
}

/** Runs a rule's body; for each solution calls `each(frame)`. */
function ruleSolutions(compiled: CompiledRule, ctx: EvalContext, each: (frame: Frame) => boolean): void {
  const frame = new Frame();
  evalBody(compiled.rule.body, 0, frame, ctx, () => each(frame));
}

function headValue(term: Term | undefined, frame: Frame, ctx: EvalContext, emit: Emit): boolean {
  return term ? evalTerm(term, frame, ctx, emit) : emit(true);
}

/** The values a complete rule (with its else chain) produces. */
function ruleValues(compiled: CompiledRule, ctx: EvalContext, emit: Emit): void {
  const rule = compiled.rule;
  const branches = [{ body: rule.body, value: rule.head.value }, ...rule.elses.map((branch) => ({ body: branch.body, value: branch.value }))];
  for (const branch of branches) {
    let produced = false;
    const frame = new Frame();
    evalBody(branch.body, 0, frame, ctx, () =>
      headValue(branch.value, frame, ctx, (value) => {
        produced = true;
        return emit(value);
      }),
    );
    if (produced) return;
  }
}

/** Elements of a multi-value (partial set) rule at a ref-head leaf, collected before the set is built. */
class SetLeaf {
  readonly items: Value[] = [];
}

/** Builds nested objects from (key path, value) pairs, raising OPA's conflict error on a clash. */
class ObjectBuilder {
  private readonly root = new Map<string, [Value, Value | ObjectBuilder | SetLeaf]>();
  addToSet(keys: readonly Value[], item: Value, rule: CompiledRule): void {
    const [key, ...rest] = keys;
    const slot = this.root.get(keyOf(key!));
    if (rest.length === 0) {
      if (slot && !(slot[1] instanceof SetLeaf) && !(slot[1] instanceof RSet)) throw new RegoError("eval_conflict_error", "object keys must be unique", rule.rule.loc);
      let leaf = slot?.[1] instanceof SetLeaf ? slot[1] : undefined;
      if (!leaf) {
        leaf = new SetLeaf();
        if (slot?.[1] instanceof RSet) leaf.items.push(...slot[1]);
      }
      leaf.items.push(item);
      this.root.set(keyOf(key!), [key!, leaf]);
      return;
    }
    let nested: ObjectBuilder;
    if (slot && slot[1] instanceof ObjectBuilder) nested = slot[1];
    else if (slot && slot[1] instanceof RObject) {
      nested = new ObjectBuilder();
      for (const [k, v] of slot[1].entries()) nested.set([k], v, undefined);
    } else if (slot) throw new RegoError("eval_conflict_error", "object keys must be unique", rule.rule.loc);
    else nested = new ObjectBuilder();
    nested.addToSet(rest, item, rule);
    this.root.set(keyOf(key!), [key!, nested]);
  }
  get empty(): boolean {
    return this.root.size === 0;
  }
  set(keys: readonly Value[], value: Value, rule: CompiledRule | undefined): void {
    const [key, ...rest] = keys;
    const slot = this.root.get(keyOf(key!));
    if (rest.length === 0) {
      if (slot && (slot[1] instanceof ObjectBuilder || slot[1] instanceof SetLeaf || !equal(slot[1], value))) {
        if (rule) throw new RegoError("eval_conflict_error", "object keys must be unique", rule.rule.loc);
      }
      if (!slot || !rule) this.root.set(keyOf(key!), [key!, value]);
      return;
    }
    let nested: ObjectBuilder;
    if (slot && slot[1] instanceof ObjectBuilder) nested = slot[1];
    else if (slot && slot[1] instanceof RObject) {
      nested = new ObjectBuilder();
      for (const [k, v] of slot[1].entries()) nested.set([k], v, undefined);
    } else if (slot) {
      throw new RegoError("eval_conflict_error", "object keys must be unique", rule?.rule.loc);
    } else nested = new ObjectBuilder();
    nested.set(rest, value, rule);
    this.root.set(keyOf(key!), [key!, nested]);
  }
  build(): RObject {
    return new RObject(
      [...this.root.values()].map(([key, value]) => [key, value instanceof ObjectBuilder ? value.build() : value instanceof SetLeaf ? new RSet(value.items) : value] as [Value, Value]),
    );
  }
}

// ---- calls -----------------------------------------------------------------------------------------------------

function evalCall(call: Extract<Term, { type: "call" }>, frame: Frame, ctx: EvalContext, emit: Emit): boolean {
  if (call.args.length === 0 && call.name.startsWith("data.") && !ctx.program.functions.has(call.name) && !ctx.mocks.has(call.name)) {
    // `f()` with `f() = x { … }`: OPA parses that head as the complete rule `f`, and the call reads it
    const loc = call.loc;
    const path = call.name.split(".").slice(1).map((value) => ({ type: "string" as const, value, loc }));
    return walkData(ctx.program.root, ctx.data, path, 0, frame, ctx, emit, []);
  }
  const mock = ctx.mocks.get(call.name);
  return evalTerms(call.args, frame, ctx, (args) => {
    if (mock && "value" in mock) return emit(mock.value);
    // the replacement runs without this mock, so a mock that calls the original gets the original
    const result = mock ? callByName(mock.fn, args, call, withoutMock(ctx, call.name)) : callByName(call.name, args, call, ctx);
    return result === undefined ? false : emit(result);
  });
}

function withoutMock(ctx: EvalContext, name: string): EvalContext {
  const mocks = new Map(ctx.mocks);
  mocks.delete(name);
  return { ...ctx, mocks, cache: new Map(), inProgress: new Set() };
}

function callByName(name: string, args: readonly Value[], call: Extract<Term, { type: "call" }>, ctx: EvalContext): Value | undefined {
  switch (name) {
    case "internal.member_2":
      return isMember(args[1]!, (_key, value) => equal(value, args[0]!));
    case "internal.member_3":
      return isMember(args[2]!, (key, value) => equal(key, args[0]!) && equal(value, args[1]!));
    case "print":
    case "trace":
      return true;
    default:
      break;
  }
  const rules = ctx.program.functions.get(name);
  if (rules) return callFunction(rules, args, ctx);
  const builtin = BUILTINS.get(name);
  if (!builtin) throw new RegoError("rego_type_error", `undefined function ${name}`, call.loc);
  try {
    return builtin.fn(args, { strict: ctx.strict });
  } catch (error) {
    if (error instanceof BuiltinError) {
      if (ctx.strict) throw new RegoError(error.code, error.message, call.loc);
      return undefined;
    }
    throw error;
  }
}

function isMember(collection: Value, test: (key: Value, value: Value) => boolean): boolean {
  return forEachMember(collection, test);
}

function callFunction(rules: readonly CompiledRule[], args: readonly Value[], ctx: EvalContext): Value | undefined {
  const outputs = new Map<string, Value>();
  let fallback: Value | undefined;
  for (const compiled of rules) {
    const rule = compiled.rule;
    if (rule.default) {
      fallback = firstValue(rule.head.value ?? { type: "boolean", value: true, loc: rule.loc }, new Frame(), ctx);
      continue;
    }
    const branches = [{ body: rule.body, value: rule.head.value }, ...rule.elses.map((branch) => ({ body: branch.body, value: branch.value }))];
    for (const branch of branches) {
      let produced = false;
      const frame = new Frame();
      bindArgs(rule.head.args!, args, 0, frame, ctx, () =>
        evalBody(branch.body, 0, frame, ctx, () =>
          headValue(branch.value, frame, ctx, (value) => {
            produced = true;
            outputs.set(keyOf(value), value);
            if (outputs.size > 1) throw new RegoError("eval_conflict_error", "functions must not produce multiple outputs for same inputs", rule.loc);
            return false;
          }),
        ),
      );
      if (produced) break;
    }
  }
  if (outputs.size === 1) return outputs.values().next().value;
  return fallback;
}

function bindArgs(patterns: readonly Term[], args: readonly Value[], index: number, frame: Frame, ctx: EvalContext, next: Next): boolean {
  if (index === patterns.length) return next();
  return unifyValue(patterns[index]!, args[index]!, frame, ctx, () => bindArgs(patterns, args, index + 1, frame, ctx, next));
}

export { fromJSON };
