#!/usr/bin/env node
// The `migrate` launcher: runs the CLI built by `npm ci` (the prepare script, `npm run build`): the bundle in
// dist/bundle/ (scripts/bundle.js) while it is newer than the TypeScript output it was made from, else that output
// (dist/src/) itself, so a plain `tsc -p tsconfig.build.json` rebuild is never shadowed by an older bundle.
//
// A command the build trained a V8 code cache for (dist/bundle/vm/<command>.cache, scripts/code-cache.js) runs from
// the single-script form of the bundle, dist/bundle/vm/main.js, compiled with that cache: start-up then skips parsing
// and compiling the code the command runs. The same CLI either way; the cache changes only how fast it starts. It is
// used only when its header names this very script (CRC-32 and length of its bytes) and its data is whole (CRC-32 and
// length: V8 itself does not check that, and would crash on a damaged cache), and V8 accepts it (same V8 version and
// flags; otherwise V8 compiles from the source itself). Anything amiss — no cache, another build's, a truncated or
// damaged file, a Node without zlib.crc32 — and the ES bundle runs as before. dist/bundle/vm is build output, never
// committed (dist/ is ignored): the cache is only valid for the node that made it.
import { readFileSync, statSync } from "node:fs";
import module from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

// Node ≥ 22.1 keeps compiled code between runs (a no-op where the API does not exist, e.g. Node 20)
module.enableCompileCache?.();

const mtime = (p) => {
  try {
    return statSync(new URL(p, import.meta.url)).mtimeMs;
  } catch {
    return undefined;
  }
};
const bundle = mtime("../dist/bundle/main.js");
const compiled = mtime("../dist/src/cli/main.js");
const useBundle = bundle !== undefined && (compiled === undefined || bundle >= compiled);

/** main() of dist/bundle/vm/main.js compiled with the command's code cache; undefined when there is none to use. */
function cachedMain() {
  const command = process.argv[2];
  // under --enable-source-maps the ES bundle runs: Node 20 maps stack traces of modules, not of vm scripts
  if (!useBundle || process.sourceMapsEnabled || command === undefined || !/^[a-z][a-z-]*$/.test(command)) return undefined;
  let cache;
  try {
    cache = readFileSync(new URL(`../dist/bundle/vm/${command}.cache`, import.meta.url));
  } catch {
    return undefined;
  }
  const magic = cache.toString("latin1", 0, 8);
  if ((magic !== "migrcc3a" && magic !== "migrcc3u") || cache.length <= 24 || cache.length !== 24 + cache.readUInt32LE(20)) return undefined;
  try {
    const { crc32 } = module.createRequire(import.meta.url)("node:zlib");
    const file = fileURLToPath(new URL("../dist/bundle/vm/main.js", import.meta.url));
    const bytes = readFileSync(file);
    const data = cache.subarray(24);
    if (typeof crc32 !== "function" || bytes.length !== cache.readUInt32LE(12) || crc32(bytes) !== cache.readUInt32LE(8) || crc32(data) !== cache.readUInt32LE(16)) return undefined;
    const source = magic === "migrcc3a" ? bytes.toString("latin1") : bytes.toString("utf8");
    const script = new vm.Script(source, { filename: file, cachedData: data });
    const mod = { exports: {} };
    script.runInThisContext().call(mod.exports, mod.exports, module.createRequire(file), mod, file, path.dirname(file), new URL("../dist/bundle/main.js", import.meta.url).href);
    return typeof mod.exports.main === "function" ? mod.exports.main : undefined;
  } catch {
    return undefined;
  }
}

const main =
  cachedMain() ?? (await import(useBundle ? "../dist/bundle/main.js" : "../dist/src/cli/main.js")).main;

// `migrate … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`migrate: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
