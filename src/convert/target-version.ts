// `--target-version`: the oldest Kubernetes version the output must run on. ValidatingAdmissionPolicy exists from
// 1.26 (v1alpha1), and we know the API and CEL environment up to 1.36; anything else is refused with a message that
// says so (the caller turns it into a flag error, exit 2).
import { NEWEST_MINOR, OLDEST_MINOR } from "../vap/validate-output.js";

/** The canonical `1.N` for a flag value, or an error message. */
export function checkTargetVersion(raw: string): { version: string } | { error: string } {
  const m = /^v?1\.(\d+)$/.exec(raw.trim());
  if (!m) return { error: `--target-version must look like 1.36, not ${JSON.stringify(raw)}` };
  const minor = Number(m[1]);
  if (minor < OLDEST_MINOR)
    return { error: `--target-version ${raw}: ValidatingAdmissionPolicy does not exist before 1.${OLDEST_MINOR} (v1alpha1 in 1.26–1.27, v1beta1 in 1.28–1.29, v1 from 1.30)` };
  if (minor > NEWEST_MINOR) return { error: `--target-version ${raw}: newer than the newest Kubernetes version migrate knows (1.${NEWEST_MINOR}); use 1.${NEWEST_MINOR}` };
  return { version: `1.${minor}` };
}
