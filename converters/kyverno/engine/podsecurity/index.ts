// Pod Security Standards engine for Kyverno `validate.podSecurity` rules: a re-implementation of
// k8s.io/pod-security-admission's policy evaluation (evaluatePodSecurity) and of Kyverno's use of it, with
// `exclude` (evaluateKyvernoPodSecurity). See checks.ts, evaluate.ts and kyverno.ts for the semantics.
export { checkDefinitions } from "./checks.js";
export type { CheckDefinition, CheckFailure, CheckLevel, CheckPodFn, CheckProfile, FieldError, VersionedCheck } from "./checks.js";
export {
  checksFor,
  evaluatePod,
  evaluatePodSecurity,
  forbiddenDetail,
  forbiddenReason,
  maxPolicyVersion,
  parseLevel,
  parseVersion,
  versionAt,
  violationMessage,
} from "./evaluate.js";
export type { CheckResult, EvaluateOptions, PodSecurityLevel, PodSecurityVersion } from "./evaluate.js";
export {
  evaluateKyvernoPodSecurity,
  formatChecksPrint,
  KYVERNO_PSS_VERSIONS,
  kyvernoPodSecurityChecks,
  PSS_CONTAINER_LEVEL_CONTROLS,
  PSS_CONTROL_TO_CHECK_IDS,
  PSS_POD_LEVEL_CONTROLS,
  PSS_RESTRICTED_CONTROL_NAMES,
  validateKyvernoPodSecurity,
} from "./kyverno.js";
export type {
  KyvernoPodSecurityExclude,
  KyvernoPodSecurityOptions,
  KyvernoPodSecurityResult,
  KyvernoPodSecurityRule,
  KyvernoPodSecuritySpec,
  KyvernoRuleStatus,
  MatchedPolicyException,
} from "./kyverno.js";
export { decodePod, PodDecodeError } from "./pod.js";
export type { ApiServerDefaults, DecodedPod, PodMeta, PodSpec } from "./pod.js";
export { checkPatterns, wildcardMatch } from "./wildcard.js";
