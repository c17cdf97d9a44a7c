/**
 * Bundles every Lambda handler in functions/*.ts with esbuild, one folder per function:
 *
 *   dist/lambda/<name>/index.mjs          ESM bundle, exports `handler` (Lambda: index.handler)
 *   dist/lambda/<name>/node_modules/...   only the native packages the bundle cannot hold
 *                                         (sharp and its linux-x64 libvips build, for thumbnails)
 *
 * serverless.yml packages each folder as that function's zip. Nothing is downloaded: the
 * native packages are copied from this project's node_modules.
 *
 *   tsx scripts/build-functions.ts [--out dist/lambda]
 */
import { builtinModules } from 'node:module';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { bytesUnder } from '../src/util/bytesUnder.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Packages left out of the bundle and copied next to it (native code). */
export const EXTERNAL = ['sharp'];

/**
 * Platform packages a native package loads at run time. Lambda (nodejs22.x, x86_64) is
 * Linux x64 with glibc, so only these variants are copied; others are skipped.
 */
const LAMBDA_PLATFORM_PACKAGES: Record<string, string[]> = {
  sharp: ['@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64'],
};
const OTHER_PLATFORM = /^@img\/sharp-(?!linux-x64$|libvips-linux-x64$)/;

/**
 * Node's built-ins. `builtinModules` of the Node that builds (20) lacks the `node:`-only ones of
 * the Lambda runtime (nodejs22.x): undici probes `node:sqlite` lazily (inside try/catch) for
 * its optional cache store.
 */
const PREFIX_ONLY_BUILTINS = ['node:sqlite', 'node:sea', 'node:test', 'node:test/reporters'];
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...PREFIX_ONLY_BUILTINS]);

/**
 * The esbuild options every deployable bundle shares (the Lambda handlers here, the ECS worker in
 * scripts/build-worker.ts): one ESM file for Node 22, native packages left outside.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  external: EXTERNAL,
  // Error class names are what the state machine's Retry/Catch (and the worker's exit codes)
  // match: keep every name.
  keepNames: true,
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __mtCreateRequire } from 'node:module';\nconst require = __mtCreateRequire(import.meta.url);",
  },
} satisfies BuildOptions;

interface Options {
  out: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { out: path.join(ROOT, 'dist', 'lambda') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') opts.out = path.resolve(argv[++i] ?? '');
    else if (a === '--help' || a === '-h') {
      console.log('usage: tsx scripts/build-functions.ts [--out dist/lambda]');
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  return opts;
}

const isHandlerFile = (f: string) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts');

/**
 * The handlers and their source files: every functions/<name>.ts, and every HTTP API route
 * handler functions/api/<operation>.ts as `api<Operation>` (the serverless.yml function name).
 */
export async function functionEntries(root = ROOT): Promise<{ name: string; file: string }[]> {
  const dir = path.join(root, 'functions');
  const top = (await readdir(dir))
    .filter(isHandlerFile)
    .map((f) => ({ name: f.slice(0, -3), file: path.join(dir, f) }));
  const apiDir = path.join(dir, 'api');
  const api = existsSync(apiDir)
    ? (await readdir(apiDir))
        .filter(isHandlerFile)
        .map((f) => ({ name: `api${f[0].toUpperCase()}${f.slice(1, -3)}`, file: path.join(apiDir, f) }))
    : [];
  return [...top, ...api].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The handlers' function names. */
export async function listFunctions(root = ROOT): Promise<string[]> {
  return (await functionEntries(root)).map((e) => e.name);
}

const packageName = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];

/** A package and everything it needs at run time, as installed in node_modules. */
export async function runtimeClosure(name: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(name)) return seen;
  const dir = path.join(ROOT, 'node_modules', name);
  if (!existsSync(path.join(dir, 'package.json')))
    throw new Error(`${name} is not installed in node_modules (run npm install)`);
  seen.add(name);
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(pkg.dependencies ?? {})) await runtimeClosure(dep, seen);
  // Optional dependencies are the per-platform builds: take only Lambda's.
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
    if (OTHER_PLATFORM.test(dep)) continue;
    if (existsSync(path.join(ROOT, 'node_modules', dep, 'package.json'))) await runtimeClosure(dep, seen);
  }
  for (const required of LAMBDA_PLATFORM_PACKAGES[name] ?? []) {
    if (!existsSync(path.join(ROOT, 'node_modules', required, 'package.json'))) {
      throw new Error(
        `${required} (the Lambda build of ${name}) is not installed. On a machine that is not Linux x64, run ` +
          `\`npm install --no-save --os=linux --cpu=x64 --libc=glibc ${name}\` first.`,
      );
    }
    await runtimeClosure(required, seen);
  }
  return seen;
}

/** Bare package names a bundle still imports at run time (its externals), built-ins excluded. */
export function externalImports(meta: Metafile, outFile: string): string[] {
  const out = meta.outputs[outFile];
  if (!out) throw new Error(`esbuild did not report ${outFile}`);
  const names = out.imports
    .filter((i) => i.external && !BUILTINS.has(i.path) && !i.path.startsWith('.'))
    .map((i) => packageName(i.path));
  return [...new Set(names)].sort();
}

export interface BuiltFunction {
  name: string;
  dir: string;
  bytes: number;
  externals: string[];
}

/** Builds every handler into `out`; returns what was built. */
export async function buildFunctions(opts: Options): Promise<BuiltFunction[]> {
  const entries = await functionEntries();
  const names = entries.map((e) => e.name);
  await rm(opts.out, { recursive: true, force: true });
  await mkdir(opts.out, { recursive: true });
  const entryPoints = Object.fromEntries(entries.map((e) => [e.name, e.file]));
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: opts.out,
    entryNames: '[name]/index',
    outExtension: { '.js': '.mjs' },
    splitting: false,
    ...BUNDLE_OPTIONS,
  });

  const built: BuiltFunction[] = [];
  for (const name of names) {
    const dir = path.join(opts.out, name);
    const outFile = path.relative(ROOT, path.join(dir, 'index.mjs')).split(path.sep).join('/');
    const externals = externalImports(result.metafile, outFile);
    const unknown = externals.filter((e) => !EXTERNAL.includes(e));
    if (unknown.length) throw new Error(`${name}: unexpected external imports ${unknown.join(', ')}`);
    const closure = new Set<string>();
    for (const e of externals) await runtimeClosure(e, closure);
    for (const pkg of [...closure].sort()) {
      await cp(path.join(ROOT, 'node_modules', pkg), path.join(dir, 'node_modules', pkg), {
        recursive: true,
        dereference: true,
      });
    }
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
    built.push({ name, dir, bytes: await bytesUnder(dir), externals });
  }
  return built;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  buildFunctions(opts)
    .then((built) => {
      for (const b of built) {
        console.log(
          `  ${b.name.padEnd(18)} ${(b.bytes / 1048576).toFixed(1).padStart(6)} MiB${b.externals.length ? `  (+ ${b.externals.join(', ')})` : ''}`,
        );
      }
      console.log(
        `built ${built.length} functions into ${path.relative(ROOT, opts.out)} in ${Date.now() - started} ms`,
      );
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
