import { test } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { parsePspFile } from "../converters/psp/parse.js";
import { convertPsps } from "../converters/psp/convert.js";
import { stringify } from "yaml";
test("x", () => {
  const psps = ["restricted", "baseline", "privileged", "example"].flatMap((n) => parsePspFile(readFileSync(`../shared/corpus/psp/examples/${n}-psp.yaml`, "utf8"), `${n}-psp.yaml`));
  const r = convertPsps(psps, {});
  const y = stringify(r.manifests, { lineWidth: 0 });
  writeFileSync("/tmp/scratch/out.yaml", y);
  console.log(y.length, r.gaps, r.manifests.map((m: any) => m.kind + " " + m.metadata.name));
  for (const m of r.manifests as any[]) if (m.spec.variables) for (const v of m.spec.variables) console.log(v.name, v.expression.length);
});
