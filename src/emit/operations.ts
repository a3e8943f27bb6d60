// What the policy's own matchConstraints already say about `request.operation`: a VAP is only called for the
// operations its resource rules list, so a test of the operation against that set is a constant there. Rewrites
// `request.operation == 'X'` / `!=` / `in [...]` and disjunctions of them (`== 'CREATE' || == 'UPDATE'` when the
// policy matches just those two) to literals; `simplify` then folds the connectives around them. Exact: the
// operation is always set at admission and is one of the listed ones, and none of these comparisons can error.
import { C, mapChildren, type CExpr } from "./ast.js";

const isOperation = (e: CExpr): boolean => e.t === "sel" && e.field === "operation" && !e.opt && e.of.t === "id" && e.of.name === "request";

/** The operations a comparison admits (`== 'X'`, `in [...]`), undefined when it is not such a test. */
function admitted(e: CExpr): string[] | undefined {
  if (e.t !== "bin") return undefined;
  const lit = (x: CExpr): string | undefined => (x.t === "lit" && typeof x.v === "string" ? x.v : undefined);
  if (e.op === "==" && isOperation(e.l) && lit(e.r) !== undefined) return [lit(e.r)!];
  if (e.op === "==" && isOperation(e.r) && lit(e.l) !== undefined) return [lit(e.l)!];
  if (e.op === "in" && isOperation(e.l) && e.r.t === "lit" && Array.isArray(e.r.v) && e.r.v.every((x) => typeof x === "string")) return e.r.v as string[];
  if (e.op === "in" && isOperation(e.l) && e.r.t === "list" && e.r.items.every((x) => lit(x) !== undefined)) return e.r.items.map((x) => lit(x)!);
  return undefined;
}

/**
 * Fold tests of `request.operation` that the operations `ops` (all a request can have here) decide. Inside `a && b`
 * an operation test among the conjuncts narrows what the others see (they only matter when it holds); inside
 * `a || b` a failed test narrows the rest the other way; the same for the branches of `t ? a : b`.
 */
export function assumeOperations(e: CExpr, ops: readonly string[]): CExpr {
  if (!ops.length || ops.includes("*")) return e;
  return walk(e, ops);
}

function decided(allowed: readonly string[], ops: readonly string[]): CExpr | undefined {
  return ops.every((o) => allowed.includes(o)) ? C.T : ops.every((o) => !allowed.includes(o)) ? C.F : undefined;
}

function walk(x: CExpr, ops: readonly string[]): CExpr {
  if (x.t === "and" || x.t === "or") return junction(x.t, x.of, ops);
  if (x.t === "cond") {
    const a = admitted(x.test);
    if (a) {
      const d = decided(a, ops);
      if (d) return walk(d.t === "lit" && d.v === true ? x.then : x.else, ops);
      return { ...x, then: walk(x.then, ops.filter((o) => a.includes(o))), else: walk(x.else, ops.filter((o) => !a.includes(o))) };
    }
  }
  const y = mapChildren(x, (c) => walk(c, ops));
  const a = admitted(y);
  if (a) return decided(a, ops) ?? y;
  if (y.t === "bin" && y.op === "!=") {
    const eq = admitted({ ...y, op: "==" });
    const d = eq && decided(eq, ops);
    if (d) return C.lit(d.t === "lit" && d.v !== true);
  }
  return y;
}

/** `a && b && …` / `a || b || …` with the operation tests among the operands narrowing the others. */
function junction(kind: "and" | "or", of: CExpr[], ops: readonly string[]): CExpr {
  let narrowed = ops;
  for (const z of of) {
    const a = admitted(z);
    if (a) narrowed = narrowed.filter((o) => (kind === "and" ? a.includes(o) : !a.includes(o)));
  }
  // every operation excluded: the conjunction is false / the disjunction is true
  if (narrowed.length === 0) return kind === "and" ? C.F : C.T;
  const out = of.map((z) => (admitted(z) ? (decided(admitted(z)!, ops) ?? z) : walk(z, narrowed)));
  return { t: kind, of: out };
}
