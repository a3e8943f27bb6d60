// Arithmetic and number builtins (OPA v1/topdown/arithmetic.go, numbers.go, bits.go): plus, minus (numbers or
// set difference), mul, div, rem, abs, ceil, floor, round, numbers.range, numbers.range_step and bits.*.
// Numbers are JS doubles, so arithmetic beyond 2^53 or needing OPA's arbitrary precision rounds (known gap).
import { RSet, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { bigInt, fail, fromBig, normZero, num, operandErr, typeErr } from "./util.js";

function minus(a: Value, b: Value): Value {
  const n1 = typeof a === "number";
  const n2 = typeof b === "number";
  if (n1 && n2) return normZero((a as number) - (b as number));
  const s1 = a instanceof RSet;
  const s2 = b instanceof RSet;
  if (s1 && s2) return new RSet([...(a as RSet)].filter((x) => !(b as RSet).has(x)));
  if (!n1 && !s1) throw typeErr(1, a, "number", "set");
  if (n2) throw typeErr(2, b, "set");
  throw typeErr(2, b, "number");
}

function div(a: number, b: number): number {
  if (b === 0) throw fail("divide by zero");
  return normZero(a / b);
}

function rem(a: number, b: number): number {
  if (Number.isInteger(a) && Number.isInteger(b)) {
    if (b === 0) throw fail("modulo by zero");
    return normZero(a % b);
  }
  throw fail("modulo on floating-point number");
}

/** Round half away from zero, as OPA does. */
function round(x: number): number {
  const t = Math.trunc(x);
  const frac = x - t;
  if (frac >= 0.5) return normZero(t + 1);
  if (frac <= -0.5) return normZero(t - 1);
  return normZero(t);
}

function range(x: bigint, y: bigint, step: bigint): Value {
  const out: number[] = [];
  if (x <= y) for (let i = x; i <= y; i += step) out.push(fromBig(i));
  else for (let i = x; i >= y; i -= step) out.push(fromBig(i));
  return out;
}

function shiftAmount(v: Value): bigint {
  const s = bigInt(v, 2);
  if (s < 0n) throw operandErr(2, "must be an unsigned integer number but got a negative integer");
  return s > 1100n ? 1100n : s; // beyond this every non-zero result overflows a double (or is 0/-1) anyway
}

function binary(f: (x: number, y: number) => Value): BuiltinDef[2] {
  return ([a, b]) => f(num(a!, 1), num(b!, 2));
}

export const NUMBERS: BuiltinDef[] = [
  ["plus", 2, binary((x, y) => normZero(x + y))],
  ["minus", 2, ([a, b]) => minus(a!, b!)],
  ["mul", 2, binary((x, y) => normZero(x * y))],
  ["div", 2, binary(div)],
  ["rem", 2, binary(rem)],
  ["abs", 1, ([a]) => Math.abs(num(a!, 1))],
  ["ceil", 1, ([a]) => normZero(Math.ceil(num(a!, 1)))],
  ["floor", 1, ([a]) => normZero(Math.floor(num(a!, 1)))],
  ["round", 1, ([a]) => round(num(a!, 1))],
  ["numbers.range", 2, ([a, b]) => range(bigInt(a!, 1), bigInt(b!, 2), 1n)],
  [
    "numbers.range_step",
    3,
    ([a, b, c]) => {
      const x = bigInt(a!, 1);
      const y = bigInt(b!, 2);
      const step = bigInt(c!, 3);
      if (step <= 0n) throw fail("numbers.range_step: step must be a positive integer");
      return range(x, y, step);
    },
  ],
  ["bits.or", 2, ([a, b]) => fromBig(bigInt(a!, 1) | bigInt(b!, 2))],
  ["bits.and", 2, ([a, b]) => fromBig(bigInt(a!, 1) & bigInt(b!, 2))],
  ["bits.xor", 2, ([a, b]) => fromBig(bigInt(a!, 1) ^ bigInt(b!, 2))],
  ["bits.negate", 1, ([a]) => fromBig(~bigInt(a!, 1))],
  ["bits.lsh", 2, ([a, b]) => fromBig(bigInt(a!, 1) << shiftAmount(b!))],
  ["bits.rsh", 2, ([a, b]) => fromBig(bigInt(a!, 1) >> shiftAmount(b!))],
];
