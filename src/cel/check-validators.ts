// Checks that run around the type checker, as the Kubernetes CEL environment configures cel-go:
//  * syntaxGate: syntax and macros not enabled at the environment version (optional syntax < 1.28, two-variable
//    comprehensions < 1.32) — the parser accepts them unconditionally, cel-go's parser/macros would not;
//  * runValidators: cel-go AST validators — HomogeneousAggregateLiterals (every version; a validator in cel-go
//    0.26, exempting literals inside `format` calls) and, from env 1.29, duration/timestamp/regex literal checks;
//  * runPlanChecks: plan-time regex constant compilation (`matches` via OptOptimize, Kubernetes `find`/`findAll`
//    via OptimizeRegex), reported as "program instantiation failed: …".
import { RE2JS } from "@bufbuild/re2";
import type { Call, Expr } from "./ast.js";
import type { Env } from "./env.js";
import { versionLE, type Overload } from "./registry.js";
import { typeToString, type CelType } from "./types.js";

export interface RawIssue {
  offset: number;
  message: string;
}

/** Direct children of a node (macro-expanded comprehension parts included). */
export function children(e: Expr): Expr[] {
  switch (e.k) {
    case "lit":
    case "ident":
      return [];
    case "select":
      return [e.operand];
    case "call":
      return e.target ? [e.target, ...e.args] : [...e.args];
    case "list":
      return [...e.elems];
    case "map":
      return e.entries.flatMap((m) => [m.key, m.value]);
    case "struct":
      return e.fields.map((f) => f.value);
    case "comp":
      return [e.iterRange, e.accuInit, e.loopCondition, e.loopStep, e.result];
  }
}

function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  for (const c of children(e)) walk(c, visit);
}

const TWO_VAR_MACROS: Record<string, string> = {
  all: "all",
  exists: "exists",
  existsOne: "existsOne",
  exists_one: "existsOne",
  transformList: "transformList",
  transformMap: "transformMap",
  transformMapEntry: "transformMapEntry",
};

/** Syntax the environment version does not enable; non-empty means the expression does not compile. */
export function syntaxGate(root: Expr, env: Env, source = ""): RawIssue[] {
  // position of the `?` that introduces an optional entry: scan back from the entry to the previous delimiter
  const qmark = (from: number): number => {
    for (let i = Math.min(from, source.length) - 1; i >= 0; i--) {
      const ch = source[i];
      if (ch === "?") return i;
      if (ch === "," || ch === "{" || ch === "[") break;
    }
    return from;
  };
  const out: RawIssue[] = [];
  const optionals = versionLE("1.28", env.version);
  const twoVar = versionLE("1.32", env.version);
  walk(root, (e) => {
    if (!optionals) {
      if (e.k === "select" && e.optional) out.push({ offset: e.pos, message: "unsupported syntax '.?'" });
      if (e.k === "call" && e.fn === "_[?_]") out.push({ offset: e.pos, message: "unsupported syntax '[?'" });
      if (e.k === "list") for (const i of e.optionalIndices) out.push({ offset: qmark(e.elems[i]?.pos ?? e.pos), message: "unsupported syntax '?'" });
      if (e.k === "map") for (const m of e.entries) if (m.optional) out.push({ offset: qmark(m.key.pos), message: "unsupported syntax '?'" });
      if (e.k === "struct") for (const f of e.fields) if (f.optional) out.push({ offset: qmark(f.pos), message: "unsupported syntax '?'" });
    }
    if (!twoVar && e.k === "comp" && e.iterVar2 !== "") {
      const name = TWO_VAR_MACROS[e.macro] ?? e.macro;
      out.push({ offset: e.pos, message: `undeclared reference to '${name}' (in container '')` });
    }
  });
  return out;
}

/** cel-go Type.IsEquivalentType: same kind, name and (recursively) parameters; type-parameter names ignored. */
function equivalent(a: CelType, b: CelType): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case "param":
    case "dyn":
    case "error":
      return true;
    case "prim":
      return b.k === "prim" && a.name === b.name;
    case "object":
      return b.k === "object" && a.name === b.name;
    case "list":
      return b.k === "list" && equivalent(a.elem, b.elem);
    case "map":
      return b.k === "map" && equivalent(a.key, b.key) && equivalent(a.value, b.value);
    case "type":
      return b.k === "type" && equivalent(a.of, b.of);
    case "opaque":
      return (
        b.k === "opaque" &&
        a.name === b.name &&
        a.params.length === b.params.length &&
        a.params.every((p, i) => equivalent(p, b.params[i]!))
      );
  }
}

const unwrapOpt = (t: CelType): CelType => (t.k === "opaque" && t.name === "optional_type" && t.params.length === 1 ? t.params[0]! : t);

const HOMOGENEOUS_EXEMPT = new Set(["format"]);

function homogeneous(e: Expr, exempt: boolean, types: ReadonlyMap<number, CelType>, out: RawIssue[]): void {
  const ty = (x: Expr): CelType => types.get(x.id) ?? { k: "error" };
  const mismatch = (at: Expr, expected: CelType, actual: CelType): void => {
    out.push({ offset: at.pos, message: `expected type '${typeToString(expected)}' but found '${typeToString(actual)}'` });
  };
  if (e.k === "list" && !exempt) {
    let elemType: CelType | undefined;
    for (let i = 0; i < e.elems.length; i++) {
      const el = e.elems[i]!;
      let et = ty(el);
      if (e.optionalIndices.includes(i)) et = unwrapOpt(et);
      if (elemType === undefined) {
        elemType = et;
        continue;
      }
      if (!equivalent(elemType, et)) {
        mismatch(el, elemType, et);
        break;
      }
    }
  }
  if (e.k === "map" && !exempt) {
    let kt: CelType | undefined;
    let vt: CelType | undefined;
    for (const ent of e.entries) {
      const k = ty(ent.key);
      let v = ty(ent.value);
      if (ent.optional) v = unwrapOpt(v);
      if (kt === undefined || vt === undefined) {
        kt = k;
        vt = v;
        continue;
      }
      if (!equivalent(kt, k)) mismatch(ent.key, kt, k);
      if (!equivalent(vt, v)) mismatch(ent.value, vt, v);
    }
  }
  for (const c of children(e)) {
    // a literal is exempt when its parent is a `format` call, or an exempt list/map literal
    const childExempt =
      (e.k === "call" && HOMOGENEOUS_EXEMPT.has(e.fn)) || ((e.k === "list" || e.k === "map") && exempt);
    homogeneous(c, childExempt, types, out);
  }
}

function literalArg(call: Call, index: number, withTarget: boolean): Expr | undefined {
  const args = withTarget && call.target ? [call.target, ...call.args] : call.args;
  const a = args[index];
  return a && a.k === "lit" ? a : undefined;
}

function regexError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Evaluate a literal conversion call (`duration('1h')`) with the overload the checker selected; true when it fails. */
function literalCallFails(call: Call, arg: Expr, refs: ReadonlyMap<number, readonly Overload[]>): boolean {
  if (arg.k !== "lit") return false;
  const ov = (refs.get(call.id) ?? []).find((o) => !o.member && o.params.length === 1 && o.impl);
  if (!ov?.impl) return false;
  try {
    ov.impl(arg.value);
    return false;
  } catch {
    return true;
  }
}

/** cel-go AST validators as configured by the Kubernetes base environment for `env.version`. */
export function runValidators(
  root: Expr,
  types: ReadonlyMap<number, CelType>,
  refs: ReadonlyMap<number, readonly Overload[]>,
  env: Env,
  out: RawIssue[],
): void {
  homogeneous(root, false, types, out);
  if (!versionLE("1.29", env.version)) return;
  walk(root, (e) => {
    if (e.k !== "call") return;
    if (e.fn === "duration" || e.fn === "timestamp") {
      const arg = literalArg(e, 0, false);
      if (arg && literalCallFails(e, arg, refs)) out.push({ offset: arg.pos, message: `invalid ${e.fn} argument` });
    } else if (e.fn === "matches") {
      const arg = literalArg(e, 0, false);
      if (arg && arg.k === "lit" && typeof arg.value === "string" && regexError(arg.value) !== undefined) {
        out.push({ offset: arg.pos, message: "invalid matches argument" });
      }
    }
  });
}

const PLAN_REGEX_FUNCTIONS = new Set(["matches", "find", "findAll"]);

/** Regex constants compiled when the program is planned (error = compile error in the API server). */
export function runPlanChecks(root: Expr, out: RawIssue[]): void {
  walk(root, (e) => {
    if (e.k !== "call" || !PLAN_REGEX_FUNCTIONS.has(e.fn)) return;
    const arg = literalArg(e, 1, true);
    if (!arg || arg.k !== "lit" || typeof arg.value !== "string") return;
    const err = regexError(arg.value);
    if (err !== undefined) out.push({ offset: arg.pos, message: `program instantiation failed: ${err}` });
  });
}
