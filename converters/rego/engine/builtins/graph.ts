// Graph builtins (OPA v1/topdown/reachable.go): graph.reachable and graph.reachable_paths over an object mapping
// each node to an array or set of neighbours, from an array or set of starting nodes.
import { keyOf, RSet, typeName, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { elements, isArr, isSet, obj, operandErr } from "./util.js";

function vertices(v: Value | undefined): readonly Value[] {
  return v !== undefined && (isArr(v) || isSet(v)) ? elements(v) : [];
}

function initialNodes(v: Value): readonly Value[] {
  if (!isArr(v) && !isSet(v)) throw operandErr(2, `must be {array, set} but got ${typeName(v)}`);
  return elements(v);
}

function reachable(graphValue: Value, initial: Value): RSet {
  const graph = obj(graphValue, 1);
  const queue = [...initialNodes(initial)];
  const reached = new Set<string>();
  const out: Value[] = [];
  while (queue.length > 0) {
    const node = queue.shift()!;
    const edges = graph.get(node);
    if (edges === undefined) continue;
    for (const neighbor of vertices(edges)) if (!reached.has(keyOf(neighbor))) queue.push(neighbor);
    if (!reached.has(keyOf(node))) {
      reached.add(keyOf(node));
      out.push(node);
    }
  }
  return new RSet(out);
}

function reachablePaths(graphValue: Value, initial: Value): RSet {
  const graph = obj(graphValue, 1);
  const result: Value[] = [];
  const build = (root: Value, path: Value[], reached: RSet): void => {
    const edges = graph.get(root);
    if (edges === undefined) {
      result.push(path);
      return;
    }
    const next = [...path, root];
    const neighbors = vertices(edges);
    if (neighbors.length === 0) {
      result.push(next);
      return;
    }
    const seen = new RSet([...reached, root]);
    for (const n of neighbors) {
      if (seen.has(n)) result.push(next);
      else build(n, next, seen);
    }
  };
  for (const node of initialNodes(initial)) {
    const edges = graph.get(node);
    if (edges === undefined) continue;
    const neighbors = vertices(edges);
    if (neighbors.length === 0) result.push([node]);
    else for (const n of neighbors) build(n, [node], new RSet([node]));
  }
  return new RSet(result);
}

export const GRAPH: BuiltinDef[] = [
  ["graph.reachable", 2, ([g, i]) => reachable(g!, i!)],
  ["graph.reachable_paths", 2, ([g, i]) => reachablePaths(g!, i!)],
];
