// Group strategies (pkg/security/podsecuritypolicy/group): MustRunAs / MayRunAs / RunAsAny, shared by fsGroup,
// supplementalGroups and runAsGroup. Generate = first range's min for MustRunAs; Validate = ranges membership.
import type { IDRange } from "../../model.js";
import { goRanges, invalid, type FieldError, type PathSeg } from "../fielderr.js";

export interface GroupStrategy {
  /** Generate (supplementalGroups): list or undefined. */
  generate(): number[] | undefined;
  /** GenerateSingle (fsGroup, runAsGroup). */
  generateSingle(): number | undefined;
  validate(path: readonly PathSeg[], groups: readonly number[]): FieldError[];
}

function inRanges(g: number, ranges: readonly IDRange[]): boolean {
  return ranges.some((r) => g >= r.min && g <= r.max);
}

function validateInRanges(path: readonly PathSeg[], ranges: readonly IDRange[], groups: readonly number[]): FieldError[] {
  const errs: FieldError[] = [];
  for (const g of groups) {
    if (!inRanges(g, ranges)) errs.push(invalid(path, [...groups], `group ${g} must be in the ranges: ${goRanges(ranges)}`));
  }
  return errs;
}

/** Creates the strategy, or returns the factory's error text (the provider is then unusable). */
export function createGroupStrategy(rule: string | undefined, ranges: readonly IDRange[] | undefined): GroupStrategy | string {
  const rs = ranges ?? [];
  switch (rule) {
    case "MustRunAs":
      if (rs.length === 0) return "ranges must be supplied for MustRunAs";
      return {
        generate: () => [rs[0]!.min],
        generateSingle: () => rs[0]!.min,
        validate: (path, groups) => {
          const errs: FieldError[] = [];
          if (groups.length === 0) errs.push(invalid(path, [], "unable to validate empty groups against required ranges"));
          return errs.concat(validateInRanges(path, rs, groups));
        },
      };
    case "MayRunAs":
      if (rs.length === 0) return "ranges must be supplied for MayRunAs";
      return {
        generate: () => undefined,
        generateSingle: () => undefined,
        validate: (path, groups) => validateInRanges(path, rs, groups),
      };
    case "RunAsAny":
      return { generate: () => undefined, generateSingle: () => undefined, validate: () => [] };
    default:
      return `Unrecognized group strategy type ${rule ?? ""}`;
  }
}
