// Values the lowering names as VAP variables: a helper function's lookup table (`variables.mem_multiple`) and the
// values of a call whose arguments read only the request and the parameters (`variables.canonify_mem_memory`, the
// canonified `memory` parameter), each computed once per admission instead of inside every validation that needs it.
// Identical values share one variable (the first name wins); a rule that is dropped leaves its variables out.
import { isSafeIdent } from "../../../src/emit/literal.js";
import type { Rule, Val } from "../../../src/ir/model.js";

export interface NamedValue {
  name: string;
  value: Val;
}

/** Names a comprehension variable must not take: the admission variables, CEL's type names and macros. */
const BUILTIN_NAMES = new Set(["object", "oldObject", "request", "params", "namespaceObject", "variables", "authorizer", "int", "uint", "double", "bool", "string", "bytes", "list", "map", "type", "dyn", "null_type", "has", "all", "exists", "exists_one", "filter", "size"]);

/** Names the VAP keeps for itself (Gatekeeper's `params`, `anyObject`, its internal prefix). */
const RESERVED = new Set(["params", "anyObject"]);

export class NamedValues {
  private readonly byKey = new Map<string, string>();
  readonly list: NamedValue[] = [];

  constructor(private readonly taken: ReadonlySet<string> = new Set()) {}

  /** A reference to the variable holding `value` (created under a name from `hint` the first time). */
  ref(hint: string, given: Val): Val {
    const value = canonical(given);
    const key = JSON.stringify(value);
    let name = this.byKey.get(key);
    if (!name) {
      const plain = hint.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([^A-Za-z_])/, "_$1") || "value";
      // a CEL reserved word (`let`, `var`, `in`…) cannot follow `variables.`
      const base = isSafeIdent(plain) ? plain : `${plain}_value`;
      name = base;
      for (let n = 2; RESERVED.has(name) || this.taken.has(name) || name.startsWith("gatekeeper_internal_") || this.list.some((v) => v.name === name); n++) name = `${base}${n}`;
      this.byKey.set(key, name);
      this.list.push({ name, value });
    }
    return { k: "path", path: { root: { k: "variable", name }, segs: [] } };
  }

  /** The variables the rules read (directly or through another of these variables), in creation order. */
  usedBy(rules: readonly Rule[]): NamedValue[] {
    const reads = (node: unknown, into: Set<string>): void => {
      if (typeof node !== "object" || node === null) return;
      if (Array.isArray(node)) return node.forEach((item) => reads(item, into));
      const record = node as Record<string, unknown>;
      const root = record.root as { k?: string; name?: string } | undefined;
      if (root?.k === "variable" && typeof root.name === "string") into.add(root.name);
      for (const child of Object.values(record)) reads(child, into);
    };
    const used = new Set<string>();
    reads(rules, used);
    // variables read by used variables (later ones may read earlier ones)
    for (let index = this.list.length - 1; index >= 0; index--) if (used.has(this.list[index]!.name)) reads(this.list[index]!.value, used);
    return this.list.filter((v) => used.has(v.name));
  }
}

/**
 * The value with its comprehension and let names made plain (`orig7` → `orig`, numbered only where one binds inside
 * another of the same name), so two calls that differ only in the lowering's fresh names share one variable.
 */
export function canonical<T>(node: T): T {
  const visit = (item: unknown, names: ReadonlyMap<string, string>): unknown => {
    if (typeof item !== "object" || item === null) return item;
    if (Array.isArray(item)) return item.map((child) => visit(child, names));
    const record = item as Record<string, unknown>;
    const root = record.root as { k?: string; name?: string } | undefined;
    if (root?.k === "var" && root.name !== undefined && names.has(root.name)) {
      return { ...record, root: { k: "var", name: names.get(root.name) }, segs: visit(record.segs, names) };
    }
    const bind = (...olds: (string | undefined)[]): [Map<string, string>, string[]] => {
      const inner = new Map(names);
      const used = new Set(names.values());
      const fresh = olds.map((old) => {
        if (old === undefined) return "";
        const stripped = old.replace(/\d+$/, "");
        const base = stripped && isSafeIdent(stripped) && !BUILTIN_NAMES.has(stripped) ? stripped : old;
        let name = base;
        for (let n = 2; used.has(name); n++) name = `${base}${n}`;
        used.add(name);
        inner.set(old, name);
        return name;
      });
      return [inner, fresh];
    };
    switch (record.k) {
      case "quant": {
        const [inner, [v, index]] = bind(record.v as string, record.index as string | undefined);
        return { ...record, over: visit(record.over, names), v, ...(record.index !== undefined ? { index } : {}), body: visit(record.body, inner), ...(record.label !== undefined ? { label: visit(record.label, inner) } : {}) };
      }
      case "project":
      case "filter": {
        const [inner, [v]] = bind(record.v as string);
        return record.k === "project" ? { ...record, list: visit(record.list, names), v, body: visit(record.body, inner) } : { ...record, list: visit(record.list, names), v, pred: visit(record.pred, inner) };
      }
      case "let": {
        const [inner, [name]] = bind(record.name as string);
        return { ...record, value: visit(record.value, names), ...(record.ifAbsent !== undefined ? { ifAbsent: visit(record.ifAbsent, names) } : {}), name, body: visit(record.body, inner) };
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) out[key] = visit(child, names);
    return out;
  };
  return visit(node, new Map()) as T;
}
