// Rego builtins → the rule model, derived from OPA's documented semantics (independently of the engine's builtin
// table): as conditions (`startswith(s, p)` → prefix match) and as values (`count(x)` → size). Known arguments
// fold here; a runtime argument that Rego would leave undefined (wrong type) makes the leaf false.
import { RE2JS } from "@bufbuild/re2";
import type { Loc } from "../ast.js";
import { isArray, RObject, RSet, type Value } from "../value.js";
import { P, V, type Pred, type Val, type ValueKind } from "../../../src/ir/model.js";
import { compareOp, compareSyms, truthy, Unsupported } from "./lower.js";
import { builtCollection, known, rt, selectKey, UNDEF, valOf, type ParamsSource, type Sym } from "./sym.js";

/** A builtin call used as a condition. */
export function lowerBuiltinPred(name: string, args: readonly Sym[], loc: Loc): Pred {
  if (args.some((arg) => arg.k === "undef")) return P.f;
  const op = compareOp(name);
  if (op) return compareSyms(args[0]!, op, args[1]!, loc);
  const kinds = TYPE_TESTS[name];
  if (kinds) return typeTest(args[0]!, kinds, loc);
  switch (name) {
    case "startswith":
      return stringTest(args, loc, (s, x) => s.startsWith(x), (value, x) => P.match(value, { k: "prefix", prefix: x }, false), "startsWith");
    case "endswith":
      return stringTest(args, loc, (s, x) => s.endsWith(x), (value, x) => P.match(value, { k: "suffix", suffix: x }, false), "endsWith");
    case "contains":
      return stringTest(args, loc, (s, x) => s.includes(x), (value, x) => P.match(value, { k: "substring", value: x }, false), "contains");
    case "regex.match":
    case "re_match": {
      const [pattern, subject] = args as [Sym, Sym];
      if (pattern.k === "known" && subject.k === "known") return typeof pattern.value === "string" && typeof subject.value === "string" && re2Find(pattern.value, subject.value) ? P.t : P.f;
      if (pattern.k === "known" && typeof pattern.value === "string" && subject.k === "rt") return and2(isString(subject.val), P.match(subject.val, { k: "regex", re: pattern.value }, false));
      const patternVal = valOf(pattern);
      const subjectVal = valOf(subject);
      if (!patternVal || !subjectVal) throw new Unsupported(`${name} on values the rule model cannot hold`, loc);
      return and2(isString(subjectVal), isString(patternVal), P.cmp(V.call("matches", subjectVal, patternVal), "==", true, false));
    }
    case "strings.any_prefix_match":
    case "strings.any_suffix_match":
      return anyAffix(name, args, loc);
    default:
      return truthy(lowerBuiltinVal(name, args, loc));
  }
}

/** RE2, unanchored (regex.match on known strings); an invalid pattern matches nothing (Rego: undefined). */
function re2Find(pattern: string, subject: string): boolean {
  try {
    return RE2JS.compile(pattern).test(subject);
  } catch {
    return false;
  }
}

const TYPE_TESTS: Record<string, ValueKind[]> = {
  is_string: ["string"],
  is_number: ["int", "uint", "double"],
  is_boolean: ["bool"],
  is_array: ["list"],
  is_object: ["map"],
  is_null: ["null"],
};

function typeTest(arg: Sym, kinds: ValueKind[], loc: Loc): Pred {
  if (arg.k === "known") {
    const name = arg.value === null ? "null" : isArray(arg.value) ? "list" : arg.value instanceof RObject ? "map" : arg.value instanceof RSet ? "set" : typeof arg.value;
    const matches = { string: ["string"], number: ["int", "uint", "double"], boolean: ["bool"], list: ["list"], map: ["map"], null: ["null"], set: [] as string[] }[name as "string"] ?? [];
    return kinds.some((kind) => matches.includes(kind)) ? P.t : P.f;
  }
  const val = valOf(arg);
  if (!val) throw new Unsupported("a type test on a value the rule model cannot hold", loc);
  return or2(kinds.map((kind) => P.kind(val, kind, false)));
}

function isString(val: Val): Pred {
  return P.kind(val, "string", false);
}

function and2(...preds: Pred[]): Pred {
  return P.and(...preds);
}

function or2(preds: Pred[]): Pred {
  return preds.length === 1 ? preds[0]! : P.or(...preds);
}

/** `f(s, x)` on strings: folded when both are known, a pattern when `x` is, a call otherwise. */
function stringTest(args: readonly Sym[], loc: Loc, fold: (s: string, x: string) => boolean, pattern: (value: Val, x: string) => Pred, call: "startsWith" | "endsWith" | "contains"): Pred {
  const [subject, operand] = args as [Sym, Sym];
  if (subject.k === "known" && operand.k === "known") return typeof subject.value === "string" && typeof operand.value === "string" && fold(subject.value, operand.value) ? P.t : P.f;
  if (subject.k === "known" && typeof subject.value !== "string") return P.f;
  if (operand.k === "known" && typeof operand.value !== "string") return P.f;
  const value = valOf(subject);
  if (!value) throw new Unsupported("a string test on a value the rule model cannot hold", loc);
  if (operand.k === "known" && typeof operand.value === "string") return subject.k === "rt" ? and2(isString(value), pattern(value, operand.value)) : pattern(value, operand.value);
  const other = valOf(operand);
  if (!other) throw new Unsupported("a string test on a value the rule model cannot hold", loc);
  return and2(isString(value), isString(other), P.cmp(V.call(call, value, other), "==", true, false));
}

function anyAffix(name: string, args: readonly Sym[], loc: Loc): Pred {
  const [subject, list] = args as [Sym, Sym];
  const prefix = name === "strings.any_prefix_match";
  const members = (sym: Sym): Sym[] | undefined => {
    if (sym.k !== "known") return undefined;
    if (typeof sym.value === "string") return [sym];
    if (isArray(sym.value)) return sym.value.map(known);
    if (sym.value instanceof RSet) return sym.value.sorted().map(known);
    return [];
  };
  const subjects = members(subject) ?? [subject];
  const affixes = members(list);
  if (!affixes) {
    // a runtime list of affixes: some element is a prefix (suffix) of the subject
    const listVal = valOf(list);
    if (!listVal || subjects.length !== 1) throw new Unsupported(`${name} over this list`, loc);
    const element = rt(V.at({ root: { k: "var", name: "affix" }, segs: [] }));
    return P.any(listVal, "affix", lowerBuiltinPred(prefix ? "startswith" : "endswith", [subjects[0]!, element], loc));
  }
  const tests = subjects.flatMap((s) => affixes.map((a) => lowerBuiltinPred(prefix ? "startswith" : "endswith", [s, a], loc)));
  return tests.length === 0 ? P.f : or2(tests);
}

/** A builtin call used as a value. */
export function lowerBuiltinVal(name: string, args: readonly Sym[], loc: Loc): Sym {
  if (args.some((arg) => arg.k === "undef")) return UNDEF;
  if (args.every((arg) => arg.k === "known")) {
    const folded = fold(name, args.map((arg) => (arg as { value: Value }).value));
    if (folded !== NOT_FOLDED) return folded === undefined ? UNDEF : known(folded);
  }
  const op = compareOp(name);
  if (op) {
    // a comparison used as a value (`f(x) := x != 0`): true or false, undefined only when an operand is
    const test = compareSyms(args[0]!, op, args[1]!, loc);
    if (test.k === "const") return known(test.value);
    return rt(V.cond(test, V.lit(true), V.lit(false)));
  }
  const vals = args.map(valOf);
  if (vals.some((val) => val === undefined)) throw new Unsupported(`${name} of a value the rule model cannot hold`, loc);
  const [a, b, c] = vals as Val[];
  switch (name) {
    case "count":
      return rt(V.call("size", a!));
    case "lower":
      return rt(V.call("lower", a!));
    case "upper":
      return rt(V.call("upper", a!));
    case "split":
      return rt(V.call("split", a!, b!));
    case "concat":
      // a list literal of runtime values: concatenated with the separator (`':' + tag`), else joined
      if (b!.k === "list" && a!.k === "lit" && typeof a!.value === "string") {
        const separator = a!.value;
        const parts = b!.items.flatMap((item, index) => (index === 0 ? [item] : [V.lit(separator), item])).filter((part) => !(part.k === "lit" && part.value === ""));
        return rt(parts.length === 0 ? V.lit("") : { k: "strcat", parts });
      }
      return rt(V.call("join", b!, a!));
    case "replace":
      return rt(V.call("replace", a!, b!, c!));
    case "trim_suffix":
      return rt(V.cond(P.cmp(V.call("endsWith", a!, b!), "==", true, false), V.call("substring", a!, V.lit(0), V.call("sub", V.call("size", a!), V.call("size", b!))), a!));
    case "trim_prefix":
      return rt(V.cond(P.cmp(V.call("startsWith", a!, b!), "==", true, false), V.call("substring", a!, V.call("size", b!)), a!));
    case "plus":
      return rt(arithmetic("add", a!, b!));
    case "minus":
      // input JSON holds no sets: a runtime value is a set only when the policy built one
      return setValued(args[0]!, a!) || setValued(args[1]!, b!) ? setDifference(a!, b!) : rt(arithmetic("sub", a!, b!));
    case "mul":
      return rt(arithmetic("mul", a!, b!));
    case "div":
      return rt(V.call("divide", asDouble(a!), asDouble(b!)));
    case "trim":
    case "trim_left":
    case "trim_right":
      return trimCutset(name, a!, args[1]!, loc);
    case "trim_space":
      return rt(V.call("trim", a!));
    case "to_number":
      // runtime values are lowered with their guards in lower.ts (toNumber); a double is what is left here
      return rt(V.call("double", a!));
    case "substring":
      // Rego: (offset, length), length -1 = the rest; CEL: (start, end)
      if (c!.k === "lit" && c!.value === -1) return rt(V.call("substring", a!, b!));
      return rt(V.call("substring", a!, b!, V.call("add", b!, c!)));
    case "and":
      return rt({ k: "filter", list: a!, v: "x", pred: P.in(V.at({ root: { k: "var", name: "x" }, segs: [] }), b!, false) });
    case "or":
      return rt(V.call("distinct", { k: "concat", lists: [a!, b!] }));
    case "array.concat":
      return rt({ k: "concat", lists: [a!, b!] });
    case "sprintf":
      return sprintf(args[0]!, b!, loc);
    case "sum":
      return rt(V.call("sum", a!));
    default:
      throw new Unsupported(`builtin ${name}`, loc);
  }
}

/**
 * `sprintf(format, [args])` → string concatenation: `%v`, `%s` and `%d` of each argument converted with string()
 * (exact for strings and integers; composite values print differently from Go and only reach messages).
 */
function sprintf(format: Sym, args: Val, loc: Loc): Sym {
  if (format.k !== "known" || typeof format.value !== "string") throw new Unsupported("sprintf with a runtime format", loc);
  const items = args.k === "list" ? args.items : args.k === "lit" && Array.isArray(args.value) ? args.value.map((item) => V.lit(item)) : undefined;
  if (!items) throw new Unsupported("sprintf with runtime arguments", loc);
  const parts: Val[] = [];
  let next = 0;
  const text = format.value;
  let literal = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char !== "%") {
      literal += char;
      continue;
    }
    const verb = text[++index];
    if (verb === "%") {
      literal += "%";
      continue;
    }
    if (verb !== "v" && verb !== "s" && verb !== "d") throw new Unsupported(`sprintf verb %${verb ?? ""}`, loc);
    const arg = items[next++];
    if (!arg) throw new Unsupported("sprintf with fewer arguments than verbs", loc);
    if (literal) parts.push(V.lit(literal));
    literal = "";
    parts.push(arg.k === "lit" && typeof arg.value === "string" ? arg : V.call("string", arg));
  }
  if (literal) parts.push(V.lit(literal));
  return rt({ k: "strcat", parts });
}

/**
 * `a op b` in CEL, which has no mixed int/double arithmetic: integers when both sides are surely integers (sizes,
 * integer literals, integer arithmetic), else doubles on both sides (JSON numbers may be either).
 */
function arithmetic(fn: "add" | "sub" | "mul", a: Val, b: Val): Val {
  return surelyInt(a) && surelyInt(b) ? V.call(fn, a, b) : V.call(fn, asDouble(a), asDouble(b));
}

function surelyInt(val: Val): boolean {
  if (val.k === "lit") return typeof val.value === "number" && Number.isInteger(val.value);
  if (val.k !== "call") return false;
  if (val.fn === "size" || val.fn === "int") return true;
  return (val.fn === "add" || val.fn === "sub" || val.fn === "mul") && val.args.every(surelyInt);
}

function asDouble(val: Val): Val {
  if (val.k === "lit" && typeof val.value === "number") return V.lit({ double: val.value });
  if (val.k === "lit" && typeof val.value === "object" && val.value !== null && "double" in val.value) return val;
  if (val.k === "call" && (val.fn === "double" || val.fn === "divide")) return val;
  if (val.k === "call" && (val.fn === "add" || val.fn === "sub" || val.fn === "mul") && !val.args.every(surelyInt)) return val;
  return V.call("double", val);
}

/**
 * `trim(s, cutset)` and its left/right forms as an RE2 `find`: the span from the first to the last character not in
 * the cutset (`[^/](?:(?:[^/]|[/])*[^/])?` for "/"); nothing left is "".
 */
function trimCutset(name: string, subject: Val, cutset: Sym, loc: Loc): Sym {
  if (cutset.k !== "known" || typeof cutset.value !== "string") throw new Unsupported(`${name} with a runtime cutset`, loc);
  if (cutset.value === "") return rt(subject);
  const chars = [...new Set(cutset.value)].map((char) => (/[\\\]\[^-]/.test(char) ? `\\${char}` : char)).join("");
  const not = `[^${chars}]`;
  // any character, newlines included, as `(?:[^X]|[X])*` (no `(?s:…)` flag group, no `\s`)
  const any = `(?:${not}|[${chars}])*`;
  const pattern = name === "trim" ? `${not}(?:${any}${not})?` : name === "trim_left" ? `${not}${any}` : `${any}${not}`;
  return rt(V.call("find", subject, V.lit(pattern)));
}

/** A set (or array) the policy built: a known collection, or a list the model computed. */
function setValued(sym: Sym, val: Val): boolean {
  if (sym.k === "known") return typeof sym.value === "object" && sym.value !== null;
  return builtCollection(val);
}

/** `a - b` on runtime collections: Rego set difference → the elements of `a` not in `b`. */
function setDifference(a: Val, b: Val): Sym {
  return rt({ k: "filter", list: a, v: "x", pred: P.not(P.in(V.at({ root: { k: "var", name: "x" }, segs: [] }), V.call("dyn", b), false)) });
}

/** `object.get(obj, key, default)` with a string key or a path of string keys. */
export function objectGet(args: readonly Sym[], params: ParamsSource, loc: Loc): Sym {
  const [object, key, fallback] = args as [Sym, Sym, Sym];
  if (key.k !== "known") throw new Unsupported("object.get with a runtime key", loc);
  const keys = isArray(key.value) ? key.value : [key.value];
  if (!keys.every((k): k is string => typeof k === "string")) throw new Unsupported("object.get with a non-string key", loc);
  let current: Sym = object;
  for (const segment of keys) current = current.k === "undef" ? UNDEF : selectKey(current, segment, params);
  if (current.k === "undef") return fallback;
  if (current.k !== "rt") return current;
  const defaultVal = valOf(fallback);
  if (!defaultVal) throw new Unsupported("object.get with a default the rule model cannot hold", loc);
  return rt(V.or(current.val, defaultVal));
}

/**
 * The text of a number as Go's strconv.ParseFloat reads it (OPA's to_number), RE2: decimal digits with `_` only
 * between digits, an optional fraction and exponent, or a hexadecimal mantissa with its required `p` exponent. OPA
 * refuses "Inf", "Infinity" and "NaN" (which ParseFloat and CEL's double() take), so they are not in it.
 */
export const GO_FLOAT_RE = (() => {
  const d = "[0-9](?:_?[0-9])*";
  const h = "[0-9a-fA-F](?:_?[0-9a-fA-F])*";
  return `^[+-]?(?:(?:${d}(?:\\.(?:${d})?)?|\\.${d})(?:[eE][+-]?${d})?|0[xX](?:_?${h}(?:\\.(?:${h})?)?|\\.${h})[pP][+-]?${d})$`;
})();

const GO_FLOAT = new RegExp(GO_FLOAT_RE);

/** OPA's to_number of a string: its ParseFloat value, undefined for anything else and beyond a double's range. */
function parseNumberText(text: string): number | undefined {
  if (!GO_FLOAT.test(text)) return undefined;
  const plain = text.replace(/_/g, "");
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(plain);
  const value = hex ? (hex[1] === "-" ? -1 : 1) * Number(BigInt(`0x${hex[2]! + (hex[3] ?? "") || "0"}`)) * 2 ** (Number(hex[4]) - 4 * (hex[3] ?? "").length) : Number(plain);
  return Number.isFinite(value) ? (value === 0 ? 0 : value) : undefined;
}

const NOT_FOLDED = Symbol("not folded");

/** Builtins folded on known arguments (the ones inline constraint parameters meet). */
function fold(name: string, args: readonly Value[]): Value | undefined | typeof NOT_FOLDED {
  const [a, b] = args;
  const str = (v: Value | undefined): v is string => typeof v === "string";
  switch (name) {
    case "count":
      if (str(a)) return [...a].length;
      if (isArray(a)) return a.length;
      if (a instanceof RSet || a instanceof RObject) return a.size;
      return undefined;
    case "concat":
      if (!str(a)) return undefined;
      if (isArray(b) && b.every(str)) return (b as string[]).join(a);
      if (b instanceof RSet && b.sorted().every(str)) return (b.sorted() as string[]).join(a);
      return undefined;
    case "trim_suffix":
      return str(a) && str(b) ? (b !== "" && a.endsWith(b) ? a.slice(0, a.length - b.length) : a) : undefined;
    case "trim_prefix":
      return str(a) && str(b) ? (a.startsWith(b) ? a.slice(b.length) : a) : undefined;
    case "trim": {
      if (!str(a) || !str(b)) return undefined;
      const cut = new Set(b);
      const points = [...a];
      let start = 0;
      let end = points.length;
      while (start < end && cut.has(points[start]!)) start++;
      while (end > start && cut.has(points[end - 1]!)) end--;
      return points.slice(start, end).join("");
    }
    case "lower":
      return str(a) ? a.toLowerCase() : undefined;
    case "upper":
      return str(a) ? a.toUpperCase() : undefined;
    case "split":
      return str(a) && str(b) ? a.split(b) : undefined;
    case "plus":
      return typeof a === "number" && typeof b === "number" ? a + b : NOT_FOLDED;
    case "mul":
      return typeof a === "number" && typeof b === "number" ? a * b : NOT_FOLDED;
    case "div":
      return typeof a === "number" && typeof b === "number" ? (b === 0 ? undefined : a / b) : NOT_FOLDED;
    case "replace":
      return str(a) && str(b) && str(args[2]) ? a.split(b).join(args[2] as string) : undefined;
    case "substring": {
      const length = args[2];
      if (!str(a) || typeof b !== "number" || typeof length !== "number" || b < 0) return undefined;
      const points = [...a];
      return points.slice(b, length < 0 ? undefined : b + length).join("");
    }
    case "to_number":
      if (typeof a === "number") return a;
      if (a === null) return 0;
      if (typeof a === "boolean") return a ? 1 : 0;
      return str(a) ? parseNumberText(a) : undefined;
    case "minus":
      if (typeof a === "number" && typeof b === "number") return a - b;
      if (a instanceof RSet && b instanceof RSet) return new RSet([...a].filter((x) => !b.has(x)));
      return NOT_FOLDED;
    default:
      return NOT_FOLDED;
  }
}
