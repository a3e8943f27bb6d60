// `npm run build` (and so `npm ci`, through `prepare`), after tsc: bundles the compiled CLI (dist/src/cli/main.js)
// into dist/bundle/ with esbuild, so that starting `migrate` reads a handful of files instead of resolving, reading
// and linking some two hundred ES modules. Code splitting keeps what main.ts imports lazily lazy: each command's
// implementation (and the YAML reader, the CEL environments, converters, engines it needs) is a chunk loaded only when
// that command runs. The repo-mode worker is an entry of its own beside the chunks, where src/repo/tasks.ts looks for
// it (`./worker.js` next to itself). bin/migrate.js runs the bundle only while it is newer than the tsc output it was
// made from. Linked source maps map stack traces back to dist/ under `node --enable-source-maps bin/migrate.js`.
//
// Then a second form of the same CLI for each command that converts or decides: dist/bundle/vm/<command>.js, one
// classic script (CommonJS inside a function expression; the lazy imports stay lazy as esbuild's init functions)
// holding that command's implementation and not the others', which bin/migrate.js compiles with node:vm against a V8
// code cache, so start-up skips parsing and compiling the code the command runs. scripts/code-cache.js trains the
// cache (dist/bundle/vm/<command>.cache) in a child process that runs the command on bundled fixtures, so the cache
// holds what that command compiles, lazily compiled functions included. The cache is made here, by the node that
// builds, because V8 accepts a cache only from its own version and flags; it is never committed (dist/ is ignored).
// See bin/migrate.js for how it is checked and used.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const ts = createRequire(import.meta.url)("typescript");

const at = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const outdir = at("dist/bundle");

// ---- source transforms, as esbuild loads each file ------------------------------------------------------------
// Start-up work no command needs, moved to first use: each transform returns the new text of a file, or undefined to
// leave it as it is (always so when the text is not exactly the shape it expects), and keeps its line count, so that
// the ES bundle's source maps still map each line to its original.

/**
 * commander requires node:child_process at its top, only to spawn the executable subcommands (git-style
 * `program.command(name, description)`) that migrate never declares; loading it (with net, dgram, …) cost every
 * start ~2 ms. Its `childProcess.spawn(…)` calls go through a stand-in that loads the module on first use instead.
 */
function lazyCommanderSpawn(file, text) {
  const REQUIRE = "const childProcess = require('node:child_process');";
  if (!/[\\/]commander[\\/]lib[\\/]command\.js$/.test(file) || text.split(REQUIRE).length !== 2) return undefined;
  const uses = text.match(/\bchildProcess\b[^\n]{0,7}/g) ?? [];
  if (uses.some((u) => !u.startsWith("childProcess.spawn(") && !u.startsWith("childProcess = "))) return undefined;
  return text.replace(REQUIRE, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };");
}

const builtinCrypto = createRequire(import.meta.url)("node:crypto");
/**
 * `import { createHash } from "node:crypto"` in our own modules (tsc output) as functions that load node:crypto on
 * their first call: the module (some fifteen of Node's) cost a command whose converter imports it ~3 ms at every
 * start, to hash names only when they are too long, or in JMESPath functions few policies call. Only named imports
 * of plain functions (lower-case names: never a class, which a stand-in could not construct); anything else is left.
 */
function lazyCryptoImports(file, text) {
  if (/[\\/]node_modules[\\/]/.test(file)) return undefined;
  const m = /^import \{([^}]*)\} from "node:crypto";$/m.exec(text);
  if (!m) return undefined;
  const specs = m[1].split(",").map((x) => x.trim()).filter(Boolean).map((x) => /^([a-z]\w*)(?:\s+as\s+(\w+))?$/.exec(x));
  if (!specs.length || specs.some((x) => !x || typeof builtinCrypto[x[1]] !== "function" || /^class\b/.test(Function.prototype.toString.call(builtinCrypto[x[1]])))) return undefined;
  const get = "(__migrateCrypto ??= __migrateLazyRequire(import.meta.url)(\"node:crypto\"))";
  const defs = specs.map(([, name, local]) => `const ${local ?? name} = (...a) => ${get}.${name}(...a);`).join(" ");
  return text.replace(m[0], `import { createRequire as __migrateLazyRequire } from "node:module"; let __migrateCrypto; ${defs}`);
}

/**
 * An esbuild plugin applying `transforms` (each `(file, text) => text | undefined`) in turn to every .js file; with
 * `memo`, each file is transformed once for all the builds that share it (the transforms depend on the text only).
 */
function transformPlugin(transforms, memo = new Map()) {
  return {
    name: "migrate-transforms",
    setup(b) {
      b.onLoad({ filter: /\.js$/, namespace: "file" }, (args) => {
        if (!memo.has(args.path)) {
          const text = readFileSync(args.path, "utf8");
          let out = text;
          for (const t of transforms) out = t(args.path, out) ?? out;
          memo.set(args.path, out === text ? undefined : { contents: out, loader: "js" });
        }
        return memo.get(args.path);
      });
    },
  };
}

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: at("dist/src/cli/main.js"), worker: at("dist/src/repo/worker.js") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunk-[hash]",
  sourcemap: "linked",
  // commander is CommonJS: the require() calls it makes (of Node built-ins) need a require inside an ES module
  banner: { js: 'import { createRequire as __migrateRequire } from "node:module"; const require = __migrateRequire(import.meta.url);' },
  plugins: [transformPlugin([lazyCommanderSpawn, lazyCryptoImports])],
  logLevel: "warning",
});

// ---- the single-script form of each command, for its code cache ---------------------------------------------------

/** The parameters bin/migrate.js passes the script's function (and scripts/code-cache.js, the same way). */
const PARAMS = "exports, require, module, __filename, __dirname, __migrate_import_meta_url";

/**
 * Non-ASCII characters in regular expression literals as \u escapes. esbuild writes every other literal (and
 * identifier) in ASCII and drops comments when minifying, but copies a regex's source as is, and one non-ASCII
 * character anywhere makes the whole script a two-byte string: twice the memory, a slower UTF-8 decode at every
 * start. In a regex (with or without the u flag) a BMP character and its \uXXXX escape match the same; astral ones
 * are written as their escaped surrogate pair, which both modes read as that one character. A character right after
 * a backslash is left alone (its escape would be a different pattern); the script then stays UTF-8, which is correct,
 * only slower to load. TypeScript's parser finds the literals (only in files that have a non-ASCII character).
 */
function asciiRegex(file, text) {
  const esc = (c) => [...c].flatMap((ch) => { const s = []; for (let i = 0; i < ch.length; i++) s.push(`\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`); return s; }).join("");
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) return undefined;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits = [];
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const start = node.getStart(sf);
      const lit = text.slice(start, node.end);
      // eslint-disable-next-line no-control-regex
      const out = lit.replace(/(\\*)([^\x00-\x7f]+)/gu, (m, bs, chars) => (bs.length % 2 ? m : bs + esc(chars)));
      if (out !== lit) edits.push([start, node.end, out]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = text;
  for (const [s, e, t] of edits.reverse()) out = out.slice(0, s) + t + out.slice(e);
  return out;
}

/**
 * The implementations of the other commands (what each ./commands/<name>.js imports when its command runs) as a
 * module that throws: a command's script then holds only the code that command can run, about half of the whole CLI
 * for most, so a start reads, checks and deserializes half as much (and V8 creates half as many top-level functions).
 * bin/migrate.js runs a command's script only for that command (the first argument names it), so the stand-in is
 * never reached; were it, the run would end as an internal error naming it, never run another command's code.
 */
function onlyCommandPlugin(command) {
  return {
    name: "only-command",
    setup(b) {
      b.onResolve({ filter: /^\.\.\/[a-z-]+\.js$/ }, (args) => {
        const from = /[\\/]dist[\\/]src[\\/]cli[\\/]commands[\\/]([a-z-]+)\.js$/.exec(args.importer);
        if (!from || args.kind !== "dynamic-import" || from[1] === command) return undefined;
        return { path: from[1], namespace: "other-command" };
      });
      b.onLoad({ filter: /.*/, namespace: "other-command" }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`\`migrate ${args.path}\` run from the script of \`migrate ${command}\` (dist/bundle/vm/${command}.js)`)});`,
        loader: "js",
      }));
    },
  };
}

const vmdir = at("dist/bundle/vm");
mkdirSync(vmdir, { recursive: true });
const transformed = new Map();
/** Builds dist/bundle/vm/<command>.js; resolves to why it cannot run as a vm script, undefined when it can. */
async function vmScript(command) {
  const out = await build({
    entryPoints: [at("dist/src/cli/main.js")],
    outfile: `${vmdir}/${command}.js`,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // the script is the body of one function expression (as Node wraps a CommonJS module, in strict mode as an ES
    // module is); import.meta.url is the ES bundle's main.js, so `./worker.js` (src/repo/tasks.ts) is its worker entry
    banner: { js: `(function (${PARAMS}) {"use strict";` },
    footer: { js: "})" },
    define: { "import.meta.url": "__migrate_import_meta_url" },
    charset: "ascii",
    // smaller to read at every start; its stack traces still name functions, and `node --enable-source-maps
    // bin/migrate.js` runs the ES bundle, whose traces map back to dist/
    minifyWhitespace: true,
    legalComments: "none",
    plugins: [onlyCommandPlugin(command), transformPlugin([lazyCommanderSpawn, lazyCryptoImports, asciiRegex], transformed)],
    write: false,
    logLevel: "warning",
  });
  const file = out.outputFiles.find((f) => f.path.endsWith(`${command}.js`));
  writeFileSync(file.path, file.contents);
  // Every import() must have become an init function: a vm script has no module loader to import with (esbuild
  // keeps import() of a built-in or of a computed name). Should one be left, the command gets no cache and runs the
  // ES bundle; the build stands, but says so.
  const script = ts.createSourceFile(`${command}.js`, file.text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  let left = script.parseDiagnostics.length ? "it does not parse" : undefined;
  const findImport = (node) => {
    if (left) return;
    if (node.kind === ts.SyntaxKind.CallExpression && node.expression.kind === ts.SyntaxKind.ImportKeyword) left = `an import() is left in it (${node.getText(script).slice(0, 80)})`;
    else ts.forEachChild(node, findImport);
  };
  findImport(script);
  return left;
}

// One cache per command, each trained in a process of its own on bundled fixtures: the start-up bench's input first,
// then a few other paths (JSON output, a deny, controllers), which add little to a cache (~2%) and spare other inputs
// compiling them. Commands without one (`--help`, `repo`, `review`) run the ES bundle.
const TRAIN = {
  psp: [["psp", "fixtures/psp/restricted.yaml"], ["psp", "fixtures/psp/", "-o", "json"], ["psp", "fixtures/psp/baseline.yaml", "--controllers"]],
  kyverno: [["kyverno", "fixtures/kyverno/disallow-host-namespaces.yaml"], ["kyverno", "fixtures/kyverno/disallow-host-namespaces.yaml", "-o", "json"]],
  gatekeeper: [["gatekeeper", "fixtures/gatekeeper/template.yaml", "fixtures/gatekeeper/constraint.yaml"], ["gatekeeper", "fixtures/gatekeeper/template.yaml", "fixtures/gatekeeper/constraint.yaml", "-o", "json"]],
  eval: [["eval", "fixtures/eval/replicas-policy.yaml", "--request", "fixtures/eval/deployment-3.yaml"], ["eval", "fixtures/eval/replicas-policy.yaml", "--request", "fixtures/eval/deployment-7.yaml", "-o", "json"]],
  verify: [["verify", "fixtures/psp/restricted.yaml", "--fixtures", "fixtures/psp/pods"]],
  test: [["test", "fixtures/gatekeeper/suite.yaml"], ["test", "fixtures/kyverno/test/kyverno-test.yaml"]],
  impact: [["impact", "fixtures/impact/dump.yaml", "--policies", "fixtures/psp/restricted.yaml", "fixtures/kyverno/disallow-host-namespaces.yaml", "fixtures/gatekeeper/template.yaml", "fixtures/gatekeeper/constraint.yaml"]],
  rego: [["rego", "fixtures/rego/admission/policy.rego", "--entrypoint", "data.kubernetes.admission.deny"]],
};
const trainer = at("scripts/code-cache.js");
for (const [command, runs] of Object.entries(TRAIN)) {
  const left = await vmScript(command);
  if (left) {
    process.stderr.write(`bundle.js: no code cache for \`migrate ${command}\`: dist/bundle/vm/${command}.js cannot run as a vm script: ${left}\n`);
    continue;
  }
  const r = spawnSync(process.execPath, [trainer, command, JSON.stringify(runs)], { cwd: at("."), stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  // a missing cache only makes that command start slower: say so, but the build stands
  if (r.status !== 0) process.stderr.write(`bundle.js: no code cache for \`migrate ${command}\`: ${(r.stderr || `exit ${r.status ?? r.signal}`).trim()}\n`);
}
