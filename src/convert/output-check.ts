// The last step of every conversion: the emitted objects as the target Kubernetes version takes them. Sets the
// admissionregistration apiVersion each kind has there (ValidatingAdmissionPolicy v1 from 1.30, v1beta1 on 1.28–1.29,
// v1alpha1 on 1.26–1.27 with a gap; MutatingAdmissionPolicy v1 from 1.36, v1beta1 on 1.34–1.35, v1alpha1 on
// 1.32–1.33), then validates every object as that API server would (src/vap/validate-output.ts). What it would refuse
// never leaves: the offending validation (or mutation) is dropped when the policy keeps others, else the policy and
// its bindings are; each drop is a named gap (`output.too-large`, `output.invalid`, `output.compile`,
// `output.api-version`), `weaker` when an enforced check is lost. Pure: returns a new result.
import { AR, apiVersionFor, minorOf, validateOutput, type OutputIssue } from "../vap/validate-output.js";
import type { ConvertResult, GapEffect, ReportGap } from "./types.js";

export interface OutputCheckOptions {
  targetVersion?: string;
  /** The converter id (`psp`, …): a dropped PSP MutatingAdmissionPolicy makes the VAP stricter, not weaker. */
  source?: string;
}

type Obj = { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown }; spec?: Record<string, unknown> } & Record<string, unknown>;

const POLICY_OF: Record<string, string> = {
  ValidatingAdmissionPolicyBinding: "ValidatingAdmissionPolicy",
  MutatingAdmissionPolicyBinding: "MutatingAdmissionPolicy",
};
const isAr = (o: Obj): boolean => typeof o.apiVersion === "string" && o.apiVersion.startsWith(`${AR}/`);
const nameOf = (o: Obj): string => String(o.metadata?.name ?? "");
const kindOf = (o: Obj): string => String(o.kind ?? "");

/** At most `n` issue texts, then how many more. */
function summary(issues: readonly OutputIssue[], n = 3): string {
  const head = issues.slice(0, n).map((i) => `${i.field || "(object)"}: ${i.message}`);
  return head.join("; ") + (issues.length > n ? `; and ${issues.length - n} more` : "");
}

/** A VAP whose validation messages hold line breaks, with each break (and the blanks around it) folded to a space. */
function foldMessages(o: Obj): Obj {
  if (!isAr(o) || kindOf(o) !== "ValidatingAdmissionPolicy" || !Array.isArray(o.spec?.["validations"])) return o;
  const validations = o.spec["validations"] as Record<string, unknown>[];
  if (!validations.some((v) => typeof v["message"] === "string" && /[\r\n]/.test(v["message"]))) return o;
  const folded = validations.map((v) => (typeof v["message"] === "string" ? { ...v, message: v["message"].replace(/\s*[\r\n]+\s*/g, " ").trim() } : v));
  return { ...o, spec: { ...o.spec, validations: folded } };
}

/** The gap id for a set of issues: the most telling code. */
function gapId(issues: readonly OutputIssue[]): string {
  for (const c of ["api-version", "too-large", "compile"] as const) if (issues.some((i) => i.code === c)) return `output.${c}`;
  return "output.invalid";
}

/** Validate and repair a conversion result for its target version (see the header). */
export function checkOutput(result: ConvertResult, opts: OutputCheckOptions = {}): ConvertResult {
  const target = opts.targetVersion ?? "1.36";
  const minor = minorOf(target);
  const gaps: ReportGap[] = [...result.gaps];
  const addGap = (g: ReportGap): void => {
    if (!gaps.some((x) => x.rule === g.rule && x.reason === g.reason)) gaps.push(g);
  };
  // 1. apiVersions of the target (deep copies: the converter's objects stay untouched)
  let objects: Obj[] = result.manifests.map((m) => {
    const o = m as Obj;
    if (!isAr(o)) return o;
    const want = apiVersionFor(kindOf(o), minor);
    return want && want !== o.apiVersion ? { ...o, apiVersion: want } : o;
  });
  if (minor < 30 && objects.some((o) => isAr(o) && kindOf(o) === "ValidatingAdmissionPolicy")) {
    const v = minor >= 28 ? "v1beta1" : "v1alpha1";
    addGap({
      rule: "output",
      id: `output.vap-${v}`,
      reason: `[output.vap-${v}] ValidatingAdmissionPolicy is ${v} on Kubernetes ${target} (v1 from 1.30): the API server serves it only with the ValidatingAdmissionPolicy feature gate and --runtime-config=${AR}/${v}=true; without them the objects are refused and nothing is enforced`,
      line: 0,
      effect: "unverified",
    });
  }
  // a validation's static message must be one line (API validation); folding its line breaks changes no verdict
  objects = objects.map(foldMessages);
  const mapEffect: GapEffect = opts.source === "psp" ? "stricter" : "weaker";
  // 2. validate; drop what cannot be fixed, one round per dropped piece (indices shift), bounded by the object count
  for (let round = 0; round < 4 * objects.length + 4; round++) {
    const issues = validateOutput(objects, { targetVersion: target });
    if (!issues.length) break;
    const idx = issues[0]!.index;
    const o = objects[idx]!;
    const mine = issues.filter((i) => i.index === idx);
    const kind = kindOf(o);
    const name = nameOf(o);
    const id = gapId(mine);
    // a single validation / mutation at fault, and the policy has others: drop just that one
    const list = kind === "ValidatingAdmissionPolicy" ? "validations" : kind === "MutatingAdmissionPolicy" ? "mutations" : undefined;
    const at = list ? new Set(mine.map((i) => new RegExp(`^spec\\.${list}\\[(\\d+)\\]`).exec(i.field)?.[1])) : new Set<string | undefined>([undefined]);
    const items = list && Array.isArray(o.spec?.[list]) ? (o.spec![list] as unknown[]) : [];
    const only = [...at];
    if (list && only.length === 1 && only[0] !== undefined && items.length > 1 && !mine.some((i) => i.field === "")) {
      const n = Number(only[0]);
      // a messageExpression alone at fault: keep the validation, with its fixed message
      if (list === "validations" && mine.every((i) => i.field.startsWith(`spec.validations[${n}].messageExpression`))) {
        const { messageExpression: _drop, ...kept } = items[n] as Record<string, unknown>;
        objects[idx] = { ...o, spec: { ...o.spec, validations: items.map((x, j) => (j === n ? kept : x)) } };
        addGap({ rule: name, id, reason: `[${id}] ${kind} ${name}: spec.validations[${n}].messageExpression would be refused (${summary(mine)}); the fixed message is kept`, line: 0 });
        continue;
      }
      objects[idx] = { ...o, spec: { ...o.spec, [list]: items.filter((_, j) => j !== n) } };
      addGap({
        rule: name,
        id,
        reason: `[${id}] ${kind} ${name}: spec.${list}[${n}] would be refused by the API server of Kubernetes ${target} (${summary(mine)}); it is left out`,
        line: 0,
        effect: list === "mutations" ? mapEffect : "weaker",
      });
      continue;
    }
    // the whole object goes, with what depends on it (bindings of a policy; the policy of a binding)
    const policyKind = POLICY_OF[kind] ?? kind;
    const policyName = POLICY_OF[kind] ? String(o.spec?.["policyName"] ?? "") : name;
    const dropped = objects.filter((x) => x === o || (isAr(x) && ((kindOf(x) === policyKind && nameOf(x) === policyName) || (POLICY_OF[kindOf(x)] === policyKind && x.spec?.["policyName"] === policyName))));
    objects = objects.filter((x) => !dropped.includes(x));
    const also = dropped.filter((x) => x !== o).map((x) => `${kindOf(x)} ${nameOf(x)}`);
    addGap({
      rule: name,
      id,
      reason: `[${id}] ${kind} ${name} would be refused by the API server of Kubernetes ${target} (${summary(mine)}); it is not emitted${also.length ? `, nor ${also.join(", ")}` : ""}`,
      line: 0,
      effect: policyKind === "MutatingAdmissionPolicy" ? mapEffect : "weaker",
    });
  }
  const changed = gaps.length !== result.gaps.length || objects.some((o, i) => o !== result.manifests[i]) || objects.length !== result.manifests.length;
  if (!changed) return result;
  const anyPolicy = objects.some((o) => /AdmissionPolicy$/.test(kindOf(o)) || !isAr(o));
  return { manifests: objects, gaps, status: objects.length && anyPolicy ? (gaps.length ? "partial" : result.status) : "unsupported" };
}
