// Cluster dumps for `migrate impact`: `kubectl get -A -o yaml` output (a `List`), other `*List` kinds and
// multi-document files become the objects to replay — each with its file:line, the namespace its request has, and
// its report label (`Kind namespace/name`) — a note for every item skipped, and the Namespaces both engines look up
// for namespace selectors. Pure: loaded documents in.
import type { LoadedDoc } from "../input/yaml.js";
import { requestForObject } from "../vap/load.js";
import type { KObject } from "../vap/types.js";

export interface DumpObject {
  /** `Kind namespace/name`, or `Kind name` when cluster-scoped; ` (file:line)` is appended when two objects share it. */
  label: string;
  object: KObject;
  /** The request's namespace ("" for cluster-scoped objects; `default` for a namespaced kind without one). */
  namespace: string;
  file: string;
  line: number;
}

export interface Dump {
  objects: DumpObject[];
  /** CustomResourceDefinitions of the dump: they tell the engines which custom kinds are namespaced. */
  crds: KObject[];
  /** One line per item skipped (`file:line: …`). */
  notes: string[];
}

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);
const isList = (x: Json): boolean => typeof x["kind"] === "string" && x["kind"].endsWith("List") && Array.isArray(x["items"]);

interface Item {
  doc: unknown;
  file: string;
  line: number;
}

/** Every item of the documents, Lists (nested too) flattened, each at its own line. */
function items(docs: readonly LoadedDoc[]): Item[] {
  const out: Item[] = [];
  const visit = (doc: unknown, d: LoadedDoc, path: (string | number)[], line: number): void => {
    if (isObj(doc) && isList(doc)) {
      (doc["items"] as unknown[]).forEach((item, i) => {
        const at = [...path, "items", i];
        visit(item, d, at, d.lineOf ? d.lineOf(at) : line);
      });
    } else out.push({ doc, file: d.file, line });
  };
  for (const d of docs) visit(d.doc, d, [], d.line);
  return out;
}

const isCrd = (o: KObject): boolean => o.kind === "CustomResourceDefinition" && (o.apiVersion ?? "").startsWith("apiextensions.k8s.io/");

/** The objects of a dump, in document order. Items without kind or metadata.name are skipped with a note. */
export function readDump(docs: readonly LoadedDoc[]): Dump {
  const notes: string[] = [];
  const kept: { object: KObject; file: string; line: number }[] = [];
  for (const it of items(docs)) {
    const where = `${it.file}:${it.line}`;
    if (!isObj(it.doc)) {
      notes.push(`${where}: skipping a ${Array.isArray(it.doc) ? "list" : typeof it.doc}: not a Kubernetes object`);
      continue;
    }
    const meta = it.doc["metadata"];
    if (typeof it.doc["kind"] !== "string" || !it.doc["kind"]) {
      notes.push(`${where}: skipping an item without kind`);
      continue;
    }
    if (!isObj(meta) || typeof meta["name"] !== "string" || !meta["name"]) {
      notes.push(`${where}: skipping ${it.doc["kind"]} without metadata.name`);
      continue;
    }
    kept.push({ object: it.doc as KObject, file: it.file, line: it.line });
  }
  const crds = kept.map((k) => k.object).filter(isCrd);
  const objects = kept.map((k): DumpObject => {
    const req = requestForObject(k.object, { crds });
    const namespace = req.namespace ?? "";
    return { label: `${req.kind.kind} ${namespace ? `${namespace}/` : ""}${req.name ?? ""}`, object: k.object, namespace, file: k.file, line: k.line };
  });
  const count = new Map<string, number>();
  for (const o of objects) count.set(o.label, (count.get(o.label) ?? 0) + 1);
  for (const o of objects) if (count.get(o.label)! > 1) o.label = `${o.label} (${o.file}:${o.line})`;
  return { objects, crds, notes };
}

export const NAME_LABEL = "kubernetes.io/metadata.name";

const namespaceObject = (name: string, labels: Record<string, string> = {}): KObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels: { ...labels, [NAME_LABEL]: name } },
});

/**
 * The Namespaces both engines look up: the dump's own (with the `kubernetes.io/metadata.name` label the API server
 * sets), and, for a namespace some object lives in but the dump lacks, one with only that label (`assumed`).
 */
export function namespaceContext(objects: readonly DumpObject[]): { namespaces: KObject[]; assumed: string[] } {
  const byName = new Map<string, KObject>();
  for (const o of objects) {
    if (o.object.kind !== "Namespace" || (o.object.apiVersion ?? "v1") !== "v1") continue;
    const name = o.object.metadata?.name ?? "";
    const labels = o.object.metadata?.labels ?? {};
    byName.set(name, labels[NAME_LABEL] === name ? o.object : { ...o.object, metadata: { ...o.object.metadata, labels: { ...labels, [NAME_LABEL]: name } } });
  }
  const assumed = [...new Set(objects.map((o) => o.namespace).filter((ns) => ns && !byName.has(ns)))].sort();
  return { namespaces: [...byName.values(), ...assumed.map((ns) => namespaceObject(ns))], assumed };
}
