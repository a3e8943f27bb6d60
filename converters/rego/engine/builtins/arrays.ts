// Array builtins (OPA v1/topdown/array.go): array.concat, array.slice (clamped indices), array.reverse and
// array.flatten (one level).
import type { Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { arr, int, isArr } from "./util.js";

function slice(a: readonly Value[], start: number, stop: number): Value[] {
  if (stop < 0) stop = 0;
  else if (stop > a.length) stop = a.length;
  if (start < 0) start = 0;
  else if (start > stop) start = stop;
  return a.slice(start, stop);
}

export const ARRAYS: BuiltinDef[] = [
  ["array.concat", 2, ([a, b]) => [...arr(a!, 1), ...arr(b!, 2)]],
  ["array.slice", 3, ([a, s, e]) => slice(arr(a!, 1), int(s!, 2), int(e!, 3))],
  ["array.reverse", 1, ([a]) => [...arr(a!, 1)].reverse()],
  ["array.flatten", 1, ([a]) => arr(a!, 1).flatMap((x) => (isArr(x) ? [...x] : [x]))],
];
