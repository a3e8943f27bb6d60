#!/usr/bin/env node
// The `migrate` launcher: runs the CLI built by `npm ci` (the prepare script, `npm run build`): the bundle in
// dist/bundle/ (scripts/bundle.js) while it is newer than the TypeScript output it was made from, else that output
// (dist/src/) itself, so a plain `tsc -p tsconfig.build.json` rebuild is never shadowed by an older bundle.
//
// A command the build trained a V8 code cache for (dist/bundle/vm/<command>.cache, scripts/code-cache.js) runs from
// the single-script form of the bundle made for it, dist/bundle/vm/<command>.js (the CLI without the other commands'
// implementations), compiled with that cache: start-up then skips parsing and compiling the code the command runs.
// The same CLI either way; the cache changes only how fast it starts. It is
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

/**
 * V8 tiering for a process that is mostly over in a fifth of a second: optimize with TurboFan only functions that
 * have run hot for 40 budget intervals (V8's default is 3) and not small functions on their first interval
 * (default: any of at most 81 bytes of bytecode). `migrate psp` on one policy used to have some 35–70 functions
 * compiled by TurboFan — on a background thread that competes for the CPU with the main one — and most of them
 * deoptimized or never ran again before exit: a quarter of the instructions of the whole run. Sparkplug (baseline
 * code) is untouched, and long runs (a verify over thousands of pods, a conversion of dozens of policies) still
 * optimize their hot loops, later, and measured no slower (fewer deoptimizations). These two flags are read at each
 * tiering decision, so setting them at run time takes effect; they are heuristics only (no change to what code
 * computes). They do change V8's flag hash, hence where they are set (below).
 */
const SHORT_RUN_TIERING = "--ticks-before-optimization=40 --max-bytecode-size-for-early-opt=0";

/** main() of dist/bundle/vm/<command>.js compiled with the command's code cache; undefined when there is none to use. */
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
    const require = module.createRequire(import.meta.url);
    const { crc32 } = require("node:zlib");
    // (command matches /^[a-z][a-z-]*$/: the name of a file in dist/bundle/vm, whose cache header names the script)
    const file = fileURLToPath(new URL(`../dist/bundle/vm/${command}.js`, import.meta.url));
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

const cached = cachedMain();
const main = cached ?? (await import(useBundle ? "../dist/bundle/main.js" : "../dist/src/cli/main.js")).main;

// `migrate … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// Only now: V8 checks every code cache it reads against a hash of the flags it runs with, Node's own for its built-in
// modules included, so a flag changed before our cache was read would void it, and one changed before the modules
// for stdout and stderr (net, tty, fs streams: loaded just above) would make Node compile those from source (a
// built-in a command loads later still is: so scripts/bundle.js keeps node:crypto out of start-up).
if (cached) module.createRequire(import.meta.url)("node:v8").setFlagsFromString(SHORT_RUN_TIERING);

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // A command with a code cache (it converts or decides: no workers, timers or child processes) has done all its
    // work when main() resolves. Exiting now rather than when the event loop runs dry skips what V8 scheduled in the
    // meantime for a heap about to be thrown away (a scavenge, an incremental marking, a mark-compact) and the
    // heap's teardown: ~10 ms of `migrate psp`. Not while stdout or stderr still buffer output (a pipe on macOS
    // is written asynchronously): then the process ends as usual, once it is written.
    if (cached && process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
  },
  (err) => { process.stderr.write(`migrate: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
