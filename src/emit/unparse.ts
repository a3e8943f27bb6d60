// CEL syntax tree → text. Owns operator precedence, parenthesization and line wrapping: an expression that fits in
// the width is printed on one line; otherwise it is broken at its top-level operator (one operand of `&&`/`||`/`+`
// per line, conditional branches on their own lines, call and macro arguments indented) and the parts are printed
// the same way. Deterministic; the output parses back to the same tree.
import type { CExpr } from "./ast.js";
import { MACROS, macroVars } from "./ast.js";
import { celLiteral, isSafeIdent } from "./literal.js";

/** Width of generated CEL lines; leaves room for the YAML block-scalar indentation under 120 columns. */
export const WIDTH = 100;
const STEP = "  ";

const PREC = { cond: 1, or: 2, and: 3, rel: 4, add: 5, mul: 6, unary: 7, member: 8 } as const;

function prec(e: CExpr): number {
  switch (e.t) {
    case "cond":
      return PREC.cond;
    case "or":
      return e.of.length > 1 ? PREC.or : prec(e.of[0]!);
    case "and":
      return e.of.length > 1 ? PREC.and : prec(e.of[0]!);
    case "bin":
      return e.op === "+" || e.op === "-" ? PREC.add : e.op === "*" || e.op === "/" || e.op === "%" ? PREC.mul : PREC.rel;
    case "not":
    case "neg":
      return PREC.unary;
    case "lit":
      return typeof e.v === "number" && e.v < 0 ? PREC.unary : PREC.member;
    default:
      return PREC.member;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Flat printing

function flatIn(e: CExpr, min: number): string {
  const s = flat(e);
  return prec(e) < min ? `(${s})` : s;
}

function selText(field: string, opt?: boolean, typed?: boolean): string {
  return isSafeIdent(field) || (typed && /^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) ? `.${opt ? "?" : ""}${field}` : `[${opt ? "?" : ""}${celLiteral(field)}]`;
}

/** Flat text per node: nodes are never changed once built (as for `key()`), and printing, hoisting and wrapping ask
 *  for the text of the same subtrees over and over (without this, printing is quadratic in the nesting depth). */
const flatText = new WeakMap<CExpr, string>();

/** The whole expression on one line. */
export function flat(e: CExpr): string {
  let s = flatText.get(e);
  if (s === undefined) flatText.set(e, (s = flatOf(e)));
  return s;
}

function flatOf(e: CExpr): string {
  switch (e.t) {
    case "lit":
      return celLiteral(e.v);
    case "id":
      return e.name;
    case "sel":
      return flatIn(e.of, PREC.member) + selText(e.field, e.opt, e.typed);
    case "idx":
      return `${flatIn(e.of, PREC.member)}[${e.opt ? "?" : ""}${flat(e.key)}]`;
    case "call":
      return `${e.target ? `${flatIn(e.target, PREC.member)}.` : ""}${e.fn}(${e.args.map(flat).join(", ")})`;
    case "list":
      return `[${e.items.map(flat).join(", ")}]`;
    case "map":
      return `{${e.entries.map((x) => `${x.opt ? "?" : ""}${flat(x.key)}: ${flat(x.value)}`).join(", ")}}`;
    case "obj":
      return `${e.type}{${e.fields.map((f) => `${f.name}: ${flat(f.value)}`).join(", ")}}`;
    case "not":
      return `!${flatIn(e.of, PREC.unary)}`;
    case "neg":
      return `-${flatIn(e.of, PREC.unary)}`;
    case "bin": {
      const p = prec(e);
      // left-associative: the right operand needs a strictly higher precedence
      return `${flatIn(e.l, p)} ${e.op} ${flatIn(e.r, p + 1)}`;
    }
    case "and":
    case "or": {
      const p = prec(e);
      return e.of.map((x) => flatIn(x, p)).join(e.t === "and" ? " && " : " || ");
    }
    case "cond":
      return `${flatIn(e.test, PREC.or)} ? ${flatIn(e.then, PREC.or)} : ${flatIn(e.else, PREC.cond)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wrapped printing

/** Print `e` starting at column `col`; continuation lines are indented with `ind`. */
function print(e: CExpr, col: number, ind: string, width: number): string {
  const one = flat(e);
  if (col + one.length <= width || (!one.includes(" ") && !one.includes(",") && !(e.t === "call" && e.target))) return one;
  switch (e.t) {
    case "and":
    case "or": {
      if (e.of.length < 2) return print(e.of[0]!, col, ind, width);
      const p = prec(e);
      const op = e.t === "and" ? " &&" : " ||";
      // every operand but the last is followed by the operator: leave room for it
      const last = e.of.length - 1;
      return e.of.map((x, i) => printIn(x, p, i === 0 ? col : ind.length, ind, i < last ? width - op.length : width) + (i < last ? op : "")).join(`\n${ind}`);
    }
    case "bin": {
      // chains of the same left-associative operator: one operand per line
      const ops: CExpr[] = [];
      let cur: CExpr = e;
      while (cur.t === "bin" && cur.op === e.op && (e.op === "+" || e.op === "-")) {
        ops.unshift(cur.r);
        cur = cur.l;
      }
      ops.unshift(cur);
      if (ops.length === 1) {
        const p = prec(e);
        return `${printIn(e.l, p, col, ind, width - e.op.length - 1)} ${e.op}\n${ind}${STEP}${printIn(e.r, p + 1, ind.length + 2, ind + STEP, width)}`;
      }
      const p = prec(e);
      const last = ops.length - 1;
      return ops.map((x, i) => printIn(x, i === 0 ? p : p + 1, i === 0 ? col : ind.length, ind, i < last ? width - 2 : width) + (i < last ? ` ${e.op}` : "")).join(`\n${ind}`);
    }
    case "cond": {
      const test = printIn(e.test, PREC.or, col, ind, width - 2);
      const inner = ind + STEP;
      const then = printIn(e.then, PREC.or, inner.length, inner, width - 2);
      // a chained else-if stays at this level; any other else branch is indented like `then`
      if (e.else.t === "cond") return `${test} ?\n${inner}${then} :\n${ind}${print(e.else, ind.length, ind, width)}`;
      return `${test} ?\n${inner}${then} :\n${inner}${printIn(e.else, PREC.cond, inner.length, inner, width)}`;
    }
    case "call":
      return printCall(e, col, ind, width);
    case "lit":
      if (!Array.isArray(e.v)) return one;
      return printItems("[", "]", e.v.map((x) => () => celLiteral(x)), ind);
    case "list":
      return printItems("[", "]", e.items.map((x) => (c: number, i: string) => print(x, c, i, width)), ind);
    case "map":
      return printItems(
        "{",
        "}",
        e.entries.map((x) => (c: number, i: string) => {
          const k = `${x.opt ? "?" : ""}${flat(x.key)}: `;
          return k + print(x.value, c + k.length, i, width);
        }),
        ind,
      );
    case "obj":
      return printItems(
        `${e.type}{`,
        "}",
        e.fields.map((f) => (c: number, i: string) => `${f.name}: ${print(f.value, c + f.name.length + 2, i, width)}`),
        ind,
      );
    case "not":
      return `!${printIn(e.of, PREC.unary, col + 1, ind, width)}`;
    case "sel":
      return printIn(e.of, PREC.member, col, ind, width) + selText(e.field, e.opt, e.typed);
    case "idx": {
      const of = printIn(e.of, PREC.member, col, ind, width);
      const k = flat(e.key);
      const last = of.slice(of.lastIndexOf("\n") + 1);
      if ((of.includes("\n") ? last.length : col + of.length) + k.length + 3 <= width) return `${of}[${e.opt ? "?" : ""}${k}]`;
      const inner = ind + STEP;
      return `${of}[${e.opt ? "?" : ""}\n${inner}${print(e.key, inner.length, inner, width)}\n${ind}]`;
    }
    default:
      return one;
  }
}

function printIn(e: CExpr, min: number, col: number, ind: string, width: number): string {
  if (prec(e) >= min) return print(e, col, ind, width);
  const inner = ind + STEP;
  const body = print(e, inner.length, inner, width);
  return body.includes("\n") ? `(\n${inner}${body}\n${ind})` : `(${body})`;
}

function printItems(open: string, close: string, items: ((col: number, ind: string) => string)[], ind: string): string {
  if (!items.length) return open + close;
  const inner = ind + STEP;
  return `${open}\n${items.map((f) => inner + f(inner.length, inner)).join(`,\n`)}\n${ind}${close}`;
}

/** `root.f(…).g(…)…` as its receiver and its method calls (none of them a macro), outermost last. */
function methodChain(e: Extract<CExpr, { t: "call" }>): { root: CExpr; calls: Extract<CExpr, { t: "call" }>[] } {
  const calls: Extract<CExpr, { t: "call" }>[] = [];
  let x: CExpr = e;
  while (x.t === "call" && x.target && !MACROS.has(x.fn)) {
    calls.unshift(x);
    x = x.target;
  }
  return { root: x, calls };
}

function printCall(e: Extract<CExpr, { t: "call" }>, col: number, ind: string, width: number): string {
  // a chain of two or more method calls too long for one line: the receiver, then one `.call(…)` per line
  const chain = methodChain(e);
  if (chain.calls.length >= 2) {
    const root = printIn(chain.root, PREC.member, col, ind, width);
    if (!root.includes("\n")) {
      const inner = ind + STEP;
      return root + chain.calls.map((c) => `\n${inner}.${printCallTail(c, inner.length + 1, inner, width)}`).join("");
    }
  }
  let head = "";
  if (e.target) {
    head = printIn(e.target, PREC.member, col, ind, width);
    // a method chain too long for one line continues with `.method(…)` on the next line
    const last = head.slice(head.lastIndexOf("\n") + 1);
    const end = (head.includes("\n") ? last.length : col + head.length) + e.fn.length + 2 + e.args.map(flat).join(", ").length;
    // (after a macro too: `x.optMap(v, …)` then `.orValue(false)` on the next line, rather than its argument alone)
    const chained = e.target.t === "call" && e.target.target !== undefined && !MACROS.has(e.fn) && (!MACROS.has(e.target.fn) || !head.includes("\n"));
    head += chained && end > width ? `\n${ind}${STEP}.` : ".";
  }
  head += `${e.fn}(`;
  const lastLine = head.slice(head.lastIndexOf("\n") + 1);
  const startCol = head.includes("\n") ? lastLine.length : col + head.length;
  const argsFlat = e.args.map(flat).join(", ");
  if (startCol + argsFlat.length + 1 <= width || !e.args.length) return `${head}${argsFlat})`;
  const inner = ind + STEP;
  if (e.target && MACROS.has(e.fn)) {
    // `list.all(c,` then the body (a filter, then the body) indented, closing paren on its own line
    const nVars = macroVars(e.fn, e.args.length);
    const vars = e.args.slice(0, nVars).map(flat).join(", ");
    const rest = e.args.slice(nVars).map((a) => inner + print(a, inner.length, inner, width));
    return `${head}${vars},\n${rest.join(",\n")}\n${ind})`;
  }
  return `${head}\n${e.args.map((a) => inner + print(a, inner.length, inner, width)).join(",\n")}\n${ind})`;
}

/** `fn(args)` of a call printed from column `col` (its receiver printed elsewhere). */
function printCallTail(e: Extract<CExpr, { t: "call" }>, col: number, ind: string, width: number): string {
  const head = `${e.fn}(`;
  const argsFlat = e.args.map(flat).join(", ");
  if (col + head.length + argsFlat.length + 1 <= width || !e.args.length) return `${head}${argsFlat})`;
  const inner = ind + STEP;
  return `${head}\n${e.args.map((a) => inner + print(a, inner.length, inner, width)).join(",\n")}\n${ind})`;
}

/** The expression as text, wrapped at `width` columns. */
export function unparse(e: CExpr, width: number = WIDTH): string {
  return print(e, 0, "", width);
}
