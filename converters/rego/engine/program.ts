// The compiled program: the rule tree under `data` (one node per ground path; complete, partial-set, partial-object
// and function rules at the node of their ground head prefix) and the compiled rules themselves.
import type { Module, Rule, Term } from "../ast.js";

export interface CompiledRule {
  rule: Rule;
  module: Module;
  /** Head ref elements after the rule's ground prefix: the keys a partial-object rule binds (empty otherwise). */
  suffix: Term[];
  /** `data.<path>` of the node this rule sits at. */
  path: string[];
}

export interface RuleNode {
  path: string[];
  children: Map<string, RuleNode>;
  complete: CompiledRule[];
  defaults: CompiledRule[];
  partialSets: CompiledRule[];
  /** Partial objects and general ref heads with a non-ground suffix. */
  dynamic: CompiledRule[];
  functions: CompiledRule[];
  /** True when this node or a descendant holds a rule (such a node is an object even when empty). */
  virtual: boolean;
}

export function newNode(path: string[]): RuleNode {
  return { path, children: new Map(), complete: [], defaults: [], partialSets: [], dynamic: [], functions: [], virtual: false };
}

export function hasOwnRules(node: RuleNode): boolean {
  return node.complete.length + node.defaults.length + node.partialSets.length + node.dynamic.length > 0;
}

/** The node at `path`, created on the way. */
export function nodeAt(root: RuleNode, path: readonly string[]): RuleNode {
  let node = root;
  for (const segment of path) {
    let child = node.children.get(segment);
    if (!child) {
      child = newNode([...node.path, segment]);
      node.children.set(segment, child);
    }
    node = child;
  }
  return node;
}

export function findNode(root: RuleNode, path: readonly string[]): RuleNode | undefined {
  let node: RuleNode | undefined = root;
  for (const segment of path) {
    node = node.children.get(segment);
    if (!node) return undefined;
  }
  return node;
}
