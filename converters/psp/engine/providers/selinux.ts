// SELinux strategies (pkg/security/podsecuritypolicy/selinux): MustRunAs compares user/role/type exactly and the
// level with MCS categories order-insensitive; RunAsAny allows anything.
import type { SELinuxOptions } from "../../model.js";
import { invalid, required, type FieldError, type PathSeg } from "../fielderr.js";
import { obj, str } from "../podview.js";

export interface SELinuxStrategy {
  generate(): SELinuxOptions | undefined;
  validate(path: readonly PathSeg[], options: unknown): FieldError[];
}

function equalCategories(a: string, b: string): boolean {
  const x = a.split(",").sort();
  const y = b.split(",").sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** selinux.equalLevels: "s0:c6,c0" equals "s0:c0,c6". */
export function equalLevels(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  const e = expected.split(/:(.*)/s, 2);
  const a = actual.split(/:(.*)/s, 2);
  if (e.length !== 2 || a.length !== 2) return false;
  if (e[0] !== a[0]) return false;
  return equalCategories(e[1]!, a[1]!);
}

export function createSELinuxStrategy(rule: string | undefined, opts: SELinuxOptions | undefined): SELinuxStrategy | string {
  switch (rule) {
    case "MustRunAs": {
      if (!opts) return "MustRunAs requires SELinuxOptions";
      const want = { user: opts.user ?? "", role: opts.role ?? "", type: opts.type ?? "", level: opts.level ?? "" };
      const generated: SELinuxOptions = {};
      for (const k of ["user", "role", "type", "level"] as const) if (want[k] !== "") generated[k] = want[k];
      return {
        generate: () => ({ ...generated }),
        validate: (path, options) => {
          const o = obj(options);
          if (!o) return [required(path)];
          const got = {
            user: str(o["user"]) ?? "",
            role: str(o["role"]) ?? "",
            type: str(o["type"]) ?? "",
            level: str(o["level"]) ?? "",
          };
          const errs: FieldError[] = [];
          if (!equalLevels(want.level, got.level)) errs.push(invalid([...path, "level"], got.level, `must be ${want.level}`));
          if (got.role !== want.role) errs.push(invalid([...path, "role"], got.role, `must be ${want.role}`));
          if (got.type !== want.type) errs.push(invalid([...path, "type"], got.type, `must be ${want.type}`));
          if (got.user !== want.user) errs.push(invalid([...path, "user"], got.user, `must be ${want.user}`));
          return errs;
        },
      };
    }
    case "RunAsAny":
      return { generate: () => undefined, validate: () => [] };
    default:
      return `Unrecognized SELinuxContext strategy type ${rule ?? ""}`;
  }
}
