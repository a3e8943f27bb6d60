// Capabilities strategy (pkg/security/podsecuritypolicy/capabilities): Generate = add ∪ (defaultAdd − drop),
// drop ∪ requiredDrop (sorted, only when something changes); Validate = adds within defaultAdd ∪ allowed, every
// requiredDrop literally present in drop; `*` in allowed skips all checks. Capabilities are container-only.
import { invalid, type FieldError, type PathSeg } from "../fielderr.js";
import { arr, obj } from "../podview.js";

export interface CapabilitiesStrategy {
  /** Returns the new capabilities object, or `undefined` meaning "keep the container's own". */
  generate(current: unknown): { add?: string[]; drop?: string[] } | undefined;
  validate(path: readonly PathSeg[], caps: unknown): FieldError[];
}

function capList(v: unknown): string[] {
  return (arr(v) ?? []).filter((x): x is string => typeof x === "string");
}

/** Go's sort.Strings (byte order). */
function sorted(s: Set<string>): string[] {
  return [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function createCapabilitiesStrategy(
  defaultAdd: readonly string[] = [],
  requiredDrop: readonly string[] = [],
  allowed: readonly string[] = [],
): CapabilitiesStrategy {
  return {
    generate(current) {
      const c = obj(current);
      const containerAdd = new Set(capList(c?.["add"]));
      const containerDrop = new Set(capList(c?.["drop"]));
      const combinedAdd = new Set(containerAdd);
      for (const d of defaultAdd) if (!containerDrop.has(d)) combinedAdd.add(d);
      const combinedDrop = new Set(containerDrop);
      for (const d of requiredDrop) combinedDrop.add(d);
      if (combinedAdd.size === containerAdd.size && combinedDrop.size === containerDrop.size) return undefined;
      const out: { add?: string[]; drop?: string[] } = {};
      if (combinedAdd.size) out.add = sorted(combinedAdd);
      if (combinedDrop.size) out.drop = sorted(combinedDrop);
      return out;
    },
    validate(path, caps) {
      const c = obj(caps);
      if (!c) {
        if (defaultAdd.length === 0 && requiredDrop.length === 0) return [];
        return [invalid(path, null, "required capabilities are not set on the securityContext")];
      }
      if (allowed.includes("*")) return [];
      const errs: FieldError[] = [];
      for (const cap of capList(c["add"])) {
        if (!defaultAdd.includes(cap) && !allowed.includes(cap)) errs.push(invalid([...path, "add"], cap, "capability may not be added"));
      }
      const drops = capList(c["drop"]);
      for (const rd of requiredDrop) {
        if (!drops.includes(rd)) errs.push(invalid([...path, "drop"], drops, `${rd} is required to be dropped but was not found`, "[]core.Capability"));
      }
      return errs;
    },
  };
}
