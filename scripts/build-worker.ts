/**
 * Bundles the ECS worker (src/worker/main.ts) into one folder, the way the image runs it:
 *
 *   <out>/main.mjs                     ESM bundle for Node 22 (`node main.mjs`)
 *   <out>/node_modules/...             sharp and its Linux x64 libvips build (native, for the
 *                                      sprite sheet), copied from this project's node_modules
 *   <out>/package.json                 {"type": "module"} and the sharp version it carries
 *
 * worker/Dockerfile runs this very script in its build stage, and the end-to-end test
 * test/e2e/worker-bundle.test.ts runs its output through the local ECS runner, so what the
 * image holds is what the test ran. The esbuild options are the Lambda handlers' (BUNDLE_OPTIONS
 * in scripts/build-functions.ts). Nothing is downloaded.
 *
 *   tsx scripts/build-worker.ts [--out dist/worker]
 */
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, EXTERNAL, externalImports, runtimeClosure } from './build-functions.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The worker's source entry point. */
export const WORKER_SOURCE = path.join(ROOT, 'src', 'worker', 'main.ts');
/** Where `tsx scripts/build-worker.ts` writes by default. */
export const DEFAULT_WORKER_OUT = path.join(ROOT, 'dist', 'worker');

/** What one worker build produced. */
export interface BuiltWorker {
  /** The bundle to run with `node`. */
  file: string;
  /** The bundle's own size (node_modules excluded). */
  bytes: number;
  /** Packages left outside the bundle and copied next to it. */
  externals: string[];
}

/** Builds the worker bundle into `out` (emptied first). */
export async function buildWorker(opts: { out: string }): Promise<BuiltWorker> {
  await rm(opts.out, { recursive: true, force: true });
  await mkdir(opts.out, { recursive: true });
  const file = path.join(opts.out, 'main.mjs');
  const result = await build({ absWorkingDir: ROOT, entryPoints: [WORKER_SOURCE], outfile: file, ...BUNDLE_OPTIONS });
  const externals = externalImports(result.metafile, path.relative(ROOT, file).split(path.sep).join('/'));
  const unknown = externals.filter((e) => !EXTERNAL.includes(e));
  if (unknown.length) throw new Error(`worker: unexpected external imports ${unknown.join(', ')}`);
  const closure = new Set<string>();
  for (const e of externals) await runtimeClosure(e, closure);
  for (const pkg of [...closure].sort()) {
    await cp(path.join(ROOT, 'node_modules', pkg), path.join(opts.out, 'node_modules', pkg), {
      recursive: true,
      dereference: true,
    });
  }
  const deps: Record<string, string> = {};
  for (const e of externals) {
    deps[e] = (
      JSON.parse(await readFile(path.join(ROOT, 'node_modules', e, 'package.json'), 'utf8')) as { version: string }
    ).version;
  }
  await writeFile(
    path.join(opts.out, 'package.json'),
    `${JSON.stringify({ type: 'module', private: true, dependencies: deps }, null, 2)}\n`,
  );
  return { file, bytes: (await stat(file)).size, externals };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  let out = DEFAULT_WORKER_OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) out = path.resolve(argv[++i]);
    else {
      console.error(`unknown argument: ${argv[i]}\nusage: tsx scripts/build-worker.ts [--out dist/worker]`);
      process.exit(2);
    }
  }
  const t0 = Date.now();
  buildWorker({ out })
    .then((b) =>
      console.log(
        `worker: ${path.relative(process.cwd(), b.file) || b.file} ${(b.bytes / 1048576).toFixed(1)} MiB (+ ${b.externals.join(', ') || 'nothing'}) in ${Date.now() - t0} ms`,
      ),
    )
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
