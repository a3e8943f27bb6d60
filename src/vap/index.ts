// Public API of the offline ValidatingAdmissionPolicy engine (src/vap): evaluate a request, validate a policy's
// expressions, load documents and build requests. (build.ts, the VAP/MAP object builders, is imported directly.)
export { evaluate, decisionToJSON, defaultAuthorizer, LazyVariables, type EvaluateInput } from "./engine.js";
export { compilePolicy, validatePolicy, type CompiledPolicy, type PolicyCompileIssue } from "./compilepolicy.js";
export {
  admissionEnv,
  compileAdmission,
  formatIssues,
  namespaceValue,
  requestValue,
  NEW_EXPRESSION_VERSION,
  STORED_VERSION,
  type AdmissionEnvOptions,
  type Compiled,
} from "./celenv.js";
export { splitDocuments, requestForObject, requestFromDocument, DEFAULT_USER, type ClusterState, type BuildRequestOptions } from "./load.js";
export { kindRegistry, describeObject, equivalentResources, guessPlural, crdInfo, type KindRegistry, type ResourceInfo } from "./kinds.js";
export { matches, selectorMatches, matchResourceRules, type MatchContext, type MatchOutcome } from "./match.js";
export { objectToCel } from "./objects.js";
export type * from "./types.js";
