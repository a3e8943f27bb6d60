// The converter seam: what every source converter (PSP now, Kyverno and Rego next) provides, and the conversion
// result / report contract shared by every converting command (`migrate psp|kyverno|gatekeeper|rego`, `verify`,
// later `repo` and `review`). Converters live in converters/<source>/ and register in src/convert/registry.ts.
import type { LoadedDoc } from "../input/yaml.js";
import type { AuthzDecide } from "../cel/k8s/authz.js";
import type { CaseResult } from "../equivalence/contract.js";
import type { KObject } from "../vap/types.js";

/** What an emitted object may lose or add against its source. `weaker` is never emitted silently. */
export type GapEffect = "stricter" | "weaker" | "unverified";

/** One construct that could not be expressed exactly: printed, in the JSON report, and exit code 3. */
export interface ReportGap {
  /** Source rule (or field) the gap belongs to, e.g. `restricted.seccomp`. */
  rule: string;
  reason: string;
  /** 1-based line in `file` (0 when the gap is not tied to a line). */
  line: number;
  /** Stable id, e.g. `psp.seccomp.empty-profile`. */
  id?: string;
  effect?: GapEffect;
  file?: string;
}

export type ConversionStatus = "converted" | "partial" | "unsupported";

export interface ConvertResult {
  /** VAP, bindings, MAPs, params — in emission order. */
  manifests: object[];
  gaps: ReportGap[];
  status: ConversionStatus;
}

/** Options every converter understands; each converter may read more. */
export interface CommonConvertOptions {
  /** Oldest Kubernetes version the output must work on ("1.36"); expressions compile in target−1. */
  targetVersion?: string;
  /** Base name for the generated objects (default: derived from the source names, never from a hash). */
  name?: string;
  actions?: ("Deny" | "Warn" | "Audit")[];
}

/** One fixture to replay: a plain object or an AdmissionReview, with where it came from. */
export interface Fixture {
  doc: unknown;
  file: string;
  line: number;
}

/** A source converter: detection, parsing with file:line, conversion, and its source engine for replay. */
export interface Converter<Source, Options extends CommonConvertOptions = CommonConvertOptions> {
  /** `psp`, `kyverno`, `gatekeeper`, `rego`. */
  id: string;
  /** What the sources are called in an output header: `PodSecurityPolicies`, `Kyverno policies`, … */
  label: string;
  /** One display name per source (sorted by the caller). */
  names(sources: readonly Source[]): string[];
  /** True when a loaded document is a policy of this source (by apiVersion/kind). */
  detect(doc: unknown): boolean;
  /** Typed sources from the detected documents; errors carry file:line (InputError). */
  parse(docs: readonly LoadedDoc[]): Source[];
  convert(sources: readonly Source[], opts: Options): ConvertResult;
  /** Replays fixtures through the source engine and the converted manifests in the VAP engine. */
  replay(input: ReplayRequest<Source>): CaseResult[];
}

/** What a converter's `replay` takes. */
export interface ReplayRequest<Source> {
  sources: readonly Source[];
  /** The conversion output (and any cluster state the VAP engine reads: Namespaces, CRDs, params). */
  manifests: readonly unknown[];
  fixtures: readonly Fixture[];
  authz?: AuthzDecide;
  suite?: string;
  /**
   * The Namespaces of the cluster the fixtures are requests in, for both engines: their labels decide namespace
   * selectors (Kyverno `namespaceSelector`, Gatekeeper `match.namespaceSelector`, a binding's namespaceSelector). The
   * PSP converter, whose source engine reads no namespace, ignores them (its VAP side reads the manifests' Namespaces
   * only: pass them there too). Without them a converter keeps its own fallback (Kyverno and Gatekeeper: the
   * Namespace objects among the fixtures).
   */
  namespaces?: readonly KObject[];
}
