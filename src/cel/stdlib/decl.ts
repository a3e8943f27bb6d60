// Small helpers for writing overload declarations tersely (global vs. member, type params A/B/K/V).
import type { Overload } from "../registry.js";
import { T, type CelType } from "../types.js";
import type { Value } from "../values.js";

export type Impl = (...args: Value[]) => Value;

export const A = T.param("A");
export const B = T.param("B");
export const K = T.param("K");
export const V = T.param("V");

/** A global function / operator overload. */
export function fn(id: string, name: string, params: CelType[], result: CelType, impl?: Impl, since?: string): Overload {
  const o: Overload = { id, name, member: false, params, result };
  if (impl) o.impl = impl;
  if (since) o.since = since;
  return o;
}

/** A member overload; params[0] is the receiver. */
export function method(id: string, name: string, params: CelType[], result: CelType, impl: Impl, since?: string): Overload {
  const o: Overload = { id, name, member: true, params, result, impl };
  if (since) o.since = since;
  return o;
}
