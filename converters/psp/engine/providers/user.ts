// RunAsUser strategies (pkg/security/podsecuritypolicy/user): MustRunAs (range), MustRunAsNonRoot, RunAsAny.
import type { IDRange } from "../../model.js";
import { goRanges, invalid, required, type FieldError, type PathSeg } from "../fielderr.js";

export interface UserStrategy {
  generate(): number | undefined;
  /** scPath = `spec.containers[i].securityContext`; values are the effective ones. */
  validate(scPath: readonly PathSeg[], runAsNonRoot: boolean | undefined, runAsUser: number | undefined): FieldError[];
}

export function createUserStrategy(rule: string | undefined, ranges: readonly IDRange[] | undefined): UserStrategy | string {
  const rs = ranges ?? [];
  switch (rule) {
    case "MustRunAs":
      if (rs.length === 0) return "MustRunAs requires at least one range";
      return {
        generate: () => rs[0]!.min,
        validate: (sc, _nonRoot, uid) => {
          if (uid === undefined) return [required([...sc, "runAsUser"])];
          if (!rs.some((r) => uid >= r.min && uid <= r.max)) {
            return [invalid([...sc, "runAsUser"], uid, `must be in the ranges: ${goRanges(rs)}`)];
          }
          return [];
        },
      };
    case "MustRunAsNonRoot":
      return {
        generate: () => undefined,
        validate: (sc, nonRoot, uid) => {
          if (nonRoot === undefined && uid === undefined) return [required([...sc, "runAsNonRoot"], "must be true")];
          if (nonRoot === false) return [invalid([...sc, "runAsNonRoot"], false, "must be true")];
          if (uid === 0) return [invalid([...sc, "runAsUser"], 0, "running with the root UID is forbidden")];
          return [];
        },
      };
    case "RunAsAny":
      return { generate: () => undefined, validate: () => [] };
    default:
      return `Unrecognized RunAsUser strategy type ${rule ?? ""}`;
  }
}
