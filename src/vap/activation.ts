// The activation of the validating engine's expressions. The values that depend on the request alone are built
// once per admission and only when needed: `object`/`oldObject` before the first validation (shared when the
// request carries one object as both), `request` (per matched kind/resource), `namespaceObject` and the
// `authorizer` values on the first read of an expression. One activation serves one composition context: its
// `variables`, its params and whether it binds the authorizer (messageExpressions do not).
import type { Activation } from "../cel/env.js";
import { CelMap, type MapKey, type Value } from "../cel/values.js";
import { namespaceValue, requestValue } from "./celenv.js";
import type { MatchContext } from "./match.js";
import { objectToCel, type ObjectCache } from "./objects.js";
import type { AdmissionRequest, GroupVersionKind, GroupVersionResource } from "./types.js";
import type { RunActivation } from "./validator.js";

/** The kind and resource a policy matched the request as (its `request.kind` / `request.resource`). */
export interface Matched {
  gvr: GroupVersionResource;
  gvk: GroupVersionKind;
}

/** Values of one admission request, each built on first use and shared by every policy, binding and param. */
export class RequestValues {
  private converted?: { object: Value; oldObject: Value };
  private authz?: Record<string, Value>;
  private ns?: { value: Value };
  private readonly requests: { matched: Matched; value: Value }[] = [];

  constructor(
    readonly req: AdmissionRequest,
    private readonly ctx: MatchContext,
    private readonly authorizerValues: () => Record<string, Value>,
    private readonly cache?: ObjectCache,
  ) {}

  /** `object` and `oldObject` (one conversion when both are the same object). */
  objects(): { object: Value; oldObject: Value } {
    if (!this.converted) {
      const { object, oldObject } = this.req;
      const o = objectToCel(object, this.cache);
      this.converted = { object: o, oldObject: oldObject === object ? o : objectToCel(oldObject, this.cache) };
    }
    return this.converted;
  }

  /** `request` as a policy that matched it as `matched` sees it. */
  request(matched: Matched): Value {
    for (const r of this.requests) {
      if (r.matched.gvr === matched.gvr && r.matched.gvk === matched.gvk) return r.value;
    }
    const value = new RequestMap(this.req, matched);
    this.requests.push({ matched, value });
    return value;
  }

  /** `namespaceObject`: null for cluster-scoped requests and for Namespace requests (dispatcher special case). */
  namespaceObject(): Value {
    if (!this.ns) {
      const req = this.req;
      const isNamespaceKind = req.kind.group === "" && req.kind.version === "v1" && req.kind.kind === "Namespace";
      const nsName = isNamespaceKind ? "" : (req.namespace ?? "");
      this.ns = { value: nsName ? namespaceValue(this.ctx.namespaces.get(nsName)) : null };
    }
    return this.ns.value;
  }

  /** `authorizer` and `authorizer.requestResource`. */
  authorizer(): Record<string, Value> {
    return (this.authz ??= this.authorizerValues());
  }
}

/**
 * The `request` map, built (requestValue) on its first use but `request.operation`, which every converted policy's
 * matchCondition reads first: that entry is the request's operation string as is. Every other use is the built map's.
 */
class RequestMap extends CelMap {
  private built?: CelMap;
  constructor(
    private readonly req: AdmissionRequest,
    private readonly matched: Matched,
  ) {
    super();
  }
  private full(): CelMap {
    return (this.built ??= requestValue(this.req, this.matched) as CelMap);
  }
  override get size(): number {
    return this.full().size;
  }
  override get(key: MapKey): Value | undefined {
    if (key === "operation" && typeof this.req.operation === "string") return this.req.operation;
    return this.full().get(key);
  }
  override has(key: MapKey): boolean {
    return this.full().has(key);
  }
  override keys(): IterableIterator<Value> {
    return this.full().keys();
  }
  override entries(): IterableIterator<[Value, Value]> {
    return this.full().entries();
  }
  override rawEntries(): ReadonlyMap<MapKey, Value> {
    return this.full().rawEntries();
  }
}

/**
 * One context's bindings. Field reads are plain properties; the lazily built values are getters (never spread an
 * activation: that would build them all).
 */
class AdmissionActivation {
  constructor(
    readonly object: Value,
    readonly oldObject: Value,
    readonly params: Value | undefined,
    readonly variables: Value,
    private readonly values$: RequestValues,
    private readonly matched$: Matched,
    private readonly authorized$: boolean,
  ) {}
  get request(): Value {
    return this.values$.request(this.matched$);
  }
  get namespaceObject(): Value {
    return this.values$.namespaceObject();
  }
  get authorizer(): Value | undefined {
    return this.authorized$ ? this.values$.authorizer()["authorizer"] : undefined;
  }
  get ["authorizer.requestResource"](): Value | undefined {
    return this.authorized$ ? this.values$.authorizer()["authorizer.requestResource"] : undefined;
  }
}

/**
 * The activations of one (policy, binding, param) evaluation: `params` is undefined when the policy declares none
 * (unbound, as the apiserver leaves it). Converts the request objects now, outside any expression.
 */
export function runActivation(values: RequestValues, matched: Matched, params: Value | undefined): RunActivation {
  const { object, oldObject } = values.objects();
  return (variables, authorizer) =>
    new AdmissionActivation(object, oldObject, params, variables, values, matched, authorizer) as unknown as Activation;
}
