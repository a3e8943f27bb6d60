// `--params constraint`: a Constraint's `spec.match`, read from the VAP's params (the Constraint itself) by
// matchConditions, with Gatekeeper's semantics (pkg/mutation/match): kinds with `*` and empty lists, scope,
// namespaces / excludedNamespaces with `*x`, `x*`, `*x*` globs (a Namespace object is matched by its own name;
// other cluster-scoped objects are never excluded), and name globs (also on generateName). labelSelector and
// namespaceSelector go to each binding's matchResources instead (the API server applies them the same way).

/** `w` (a Gatekeeper glob) matches the string `s` (CEL). */
function glob(w: string, s: string): string {
  return (
    `(${w} == '*' || (${w}.startsWith('*') && ${w}.endsWith('*') ? ${s}.contains(${w}.substring(1, size(${w}) - 1)) : ` +
    `${w}.startsWith('*') ? ${s}.endsWith(${w}.substring(1)) : ${w}.endsWith('*') ? ${s}.startsWith(${w}.substring(0, size(${w}) - 1)) : ${w} == ${s}))`
  );
}

const IS_NAMESPACE = "(request.kind.group == '' && request.kind.kind == 'Namespace')";
/** The namespace the namespace matchers compare: a Namespace's own name, else the request's ('' = cluster-scoped). */
const NAMESPACE = `(${IS_NAMESPACE} ? request.name : request.namespace)`;

export const GATEKEEPER_MATCH_CONDITIONS: { name: string; expression: string }[] = [
  {
    name: "gatekeeper-match-kinds",
    expression:
      "params.spec.?match.?kinds.orValue([]).size() == 0 || params.spec.match.kinds.exists(k, " +
      "(k.?kinds.orValue([]).size() == 0 || '*' in k.kinds || request.kind.kind in k.kinds) && " +
      "(k.?apiGroups.orValue([]).size() == 0 || '*' in k.apiGroups || request.kind.group in k.apiGroups))",
  },
  {
    name: "gatekeeper-match-scope",
    expression:
      "params.spec.?match.?scope.orValue('*') == '*' || " +
      `(params.spec.match.scope == 'Cluster' ? ${IS_NAMESPACE} || request.namespace == '' : !${IS_NAMESPACE} && request.namespace != '')`,
  },
  {
    name: "gatekeeper-match-namespaces",
    expression: `params.spec.?match.?namespaces.orValue([]).size() == 0 || ${NAMESPACE} == '' || params.spec.match.namespaces.exists(w, ${glob("w", NAMESPACE)})`,
  },
  {
    name: "gatekeeper-match-excluded-namespaces",
    expression: `params.spec.?match.?excludedNamespaces.orValue([]).size() == 0 || ${NAMESPACE} == '' || !params.spec.match.excludedNamespaces.exists(w, ${glob("w", NAMESPACE)})`,
  },
  {
    name: "gatekeeper-match-name",
    expression:
      `params.spec.?match.?name.orValue('') == '' || ${glob("params.spec.match.name", "request.name")} || ` +
      "(params.spec.match.name.endsWith('*') && (params.spec.match.name.startsWith('*') ? " +
      "object.?metadata.?generateName.orValue('').contains(params.spec.match.name.substring(1, size(params.spec.match.name) - 1)) : " +
      "object.?metadata.?generateName.orValue('').startsWith(params.spec.match.name.substring(0, size(params.spec.match.name) - 1))))",
  },
];
