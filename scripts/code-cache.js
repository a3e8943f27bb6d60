// `node scripts/code-cache.js COMMAND RUNS_JSON` (scripts/bundle.js runs it once per command, in the package root):
// trains dist/bundle/vm/COMMAND.cache, the V8 code cache bin/migrate.js starts that command with. It compiles the
// command's script, dist/bundle/vm/COMMAND.js, exactly as bin/migrate.js does (the same source string, read the same
// way), runs `migrate`
// once per argument list in RUNS_JSON (output to wherever stdout and stderr go: bundle.js ignores them), and only then
// asks V8 for the cache, so it holds every function those runs compiled, not only the top level. Its own process, so
// that one command's cache holds nothing another command compiled.
//
// The file: a 24-byte header, then V8's data. Bytes 0–7: "migrcc3" and how the script is read ("a": ASCII, as
// latin1; "u": UTF-8); 8–11 and 12–15: the CRC-32 and length of the script's bytes; 16–19 and 20–23: the CRC-32 and
// length of V8's data (uint32 LE). V8 checks its own version and flags and the source's length, not its content, and
// in a release build not the integrity of its data either (a corrupted cache can crash the process): bin/migrate.js
// checks all four before using a cache, so one made from another build of the script, or damaged, is never used. The
// script is ASCII (scripts/bundle.js makes it so), which reads faster than UTF-8 (a one-byte string).
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import zlib from "node:zlib";

const [command, runsJson] = process.argv.slice(2);
if (!command || !/^[a-z][a-z-]*$/.test(command) || !runsJson) throw new Error("usage: node scripts/code-cache.js COMMAND RUNS_JSON");
const runs = JSON.parse(runsJson);
const dir = path.resolve("dist/bundle/vm");
const file = path.join(dir, `${command}.js`);
const out = path.join(dir, `${command}.cache`);
rmSync(out, { force: true });
// zlib.crc32 is Node ≥ 20.15: without it bin/migrate.js cannot check a cache, so none is made
if (typeof zlib.crc32 !== "function") {
  process.stderr.write(`this Node (${process.version}) has no zlib.crc32\n`);
  process.exit(1);
}

// as bin/migrate.js reads it
const bytes = readFileSync(file);
const latin1 = bytes.toString("latin1");
// eslint-disable-next-line no-control-regex
const ascii = !/[^\x00-\x7f]/.test(latin1);
const source = ascii ? latin1 : bytes.toString("utf8");
const script = new vm.Script(source, { filename: file });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, dir, pathToFileURL(path.join(dir, "..", "main.js")).href);

for (const args of runs) {
  // a deny (1) or a gap (3) is the fixture's business; bad input (2) means the training run is wrong, and would
  // train the cache on the error path
  const code = await mod.exports.main([process.execPath, "migrate", ...args]);
  if (code !== 0 && code !== 1 && code !== 3) throw new Error(`migrate ${args.join(" ")} exited ${code}`);
}

const data = script.createCachedData();
const header = Buffer.alloc(24);
header.write(ascii ? "migrcc3a" : "migrcc3u", 0, "latin1");
header.writeUInt32LE(zlib.crc32(bytes), 8);
header.writeUInt32LE(bytes.length, 12);
header.writeUInt32LE(zlib.crc32(data), 16);
header.writeUInt32LE(data.length, 20);
// written in one go: a reader never sees a header without its data (at worst no file or a whole one)
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, Buffer.concat([header, data]));
renameSync(tmp, out);
