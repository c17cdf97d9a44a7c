/**
 * Stages the ffmpeg + ffprobe Lambda layer in layers/ffmpeg/:
 *
 *   layers/ffmpeg/bin/ffmpeg
 *   layers/ffmpeg/bin/ffprobe
 *   layers/ffmpeg/ffmpeg/...          (--debian only) the real binaries and their libraries
 *   layers/ffmpeg/ffmpeg-layer.json   where the binaries came from, their sha256, their version
 *
 * `serverless package` zips that folder as the layer (see `layers.ffmpeg` in serverless.yml).
 * Lambda mounts layers at /opt, so the binaries land at /opt/bin/ffmpeg and /opt/bin/ffprobe,
 * which is where src/media/ffmpeg/binaries.ts looks first.
 *
 * Sources (Linux x86-64 only; the checksum is required for anything you give):
 *   --debian                                    production (`npm run package` uses it): this
 *                                               Debian system's ffmpeg (apt) with its library
 *                                               closure and loader, trimmed to fit Lambda
 *                                               (scripts/debian-ffmpeg-layer.ts)
 *   (no source flag)                            local fallback only: the 2018 static builds
 *                                               shipped in npm packages:
 *                                               node_modules/@ffmpeg-installer/linux-x64/ffmpeg and
 *                                               node_modules/@ffprobe-installer/linux-x64/ffprobe
 *   --archive <path|url> --sha256 <hex>         a .tar/.tar.gz/.tgz/.tar.xz/.zip static build that
 *                                               holds both ffmpeg and ffprobe
 *   --ffmpeg <path|url> --ffmpeg-sha256 <hex>   the two binaries one by one (both flags pairs needed)
 *   --ffprobe <path|url> --ffprobe-sha256 <hex>
 *
 * Other flags: --if-missing (keep a layer that is already staged), --out <dir>.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stageDebianFfmpeg } from './debian-ffmpeg-layer.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_LAYER_DIR = path.join(ROOT, 'layers', 'ffmpeg');
const NPM_FFMPEG = path.join(ROOT, 'node_modules', '@ffmpeg-installer', 'linux-x64', 'ffmpeg');
const NPM_FFPROBE = path.join(ROOT, 'node_modules', '@ffprobe-installer', 'linux-x64', 'ffprobe');
/** Lambda's limit for a function and all its layers, unzipped. */
const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

type Source =
  | { kind: 'npm' }
  | { kind: 'debian' }
  | { kind: 'archive'; from: string; sha256: string }
  | { kind: 'files'; ffmpeg: string; ffmpegSha256: string; ffprobe: string; ffprobeSha256: string };

export interface LayerOptions {
  out: string;
  ifMissing: boolean;
  source: Source;
}

/** What ffmpeg-layer.json records. */
export interface LayerInfo {
  source: string;
  builtAt: string;
  binaries: Record<'ffmpeg' | 'ffprobe', { from: string; sha256: string; bytes: number; version: string }>;
  /** --debian: the shared libraries staged with them (stubs stand in for unused ones). */
  closure?: { totalBytes: number; untrimmedBytes: number; real: string[]; stubbed: string[] };
}

const USAGE = `usage: tsx scripts/build-layer.ts [--if-missing] [--out layers/ffmpeg] [--debian]
         [--archive <path|url> --sha256 <hex>]
         [--ffmpeg <path|url> --ffmpeg-sha256 <hex> --ffprobe <path|url> --ffprobe-sha256 <hex>]
--debian (production) stages this Debian system's ffmpeg with its libraries. With no source flag the
2018 static builds shipped in node_modules/@ffmpeg-installer and @ffprobe-installer are used (local fallback).`;

export function parseLayerArgs(argv: string[]): LayerOptions {
  const flags: Record<string, string> = {};
  let ifMissing = false;
  let debian = false;
  let out = DEFAULT_LAYER_DIR;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--if-missing') ifMissing = true;
    else if (a === '--debian') debian = true;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--out') out = path.resolve(argv[++i] ?? '');
    else if (['--archive', '--sha256', '--ffmpeg', '--ffmpeg-sha256', '--ffprobe', '--ffprobe-sha256'].includes(a)) {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value\n${USAGE}`);
      flags[a.slice(2)] = v;
    } else throw new Error(`unknown argument: ${a}\n${USAGE}`);
  }
  const hex = (name: string) => {
    const v = flags[name];
    if (!v) throw new Error(`--${name} is required with the source you gave\n${USAGE}`);
    if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new Error(`--${name} must be 64 hex digits`);
    return v.toLowerCase();
  };
  let source: Source;
  if (debian) {
    if (Object.keys(flags).length) throw new Error('--debian takes no other source flag');
    source = { kind: 'debian' };
  } else if (flags.archive) {
    if (flags.ffmpeg || flags.ffprobe) throw new Error('give either --archive or --ffmpeg/--ffprobe, not both');
    source = { kind: 'archive', from: flags.archive, sha256: hex('sha256') };
  } else if (flags.ffmpeg || flags.ffprobe) {
    if (!flags.ffmpeg || !flags.ffprobe) throw new Error('--ffmpeg and --ffprobe go together');
    source = {
      kind: 'files',
      ffmpeg: flags.ffmpeg,
      ffmpegSha256: hex('ffmpeg-sha256'),
      ffprobe: flags.ffprobe,
      ffprobeSha256: hex('ffprobe-sha256'),
    };
  } else {
    if (flags.sha256) throw new Error('--sha256 goes with --archive');
    source = { kind: 'npm' };
  }
  return { out, ifMissing, source };
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** A local copy of a path or URL, checked against its sha256. */
async function fetchChecked(from: string, expected: string, tmp: string): Promise<string> {
  let file = path.resolve(from);
  if (isUrl(from)) {
    file = path.join(tmp, path.basename(new URL(from).pathname) || 'download');
    const res = await fetch(from);
    if (!res.ok || !res.body) throw new Error(`GET ${from}: HTTP ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file));
  } else if (!existsSync(file)) {
    throw new Error(`${from} does not exist`);
  }
  const actual = await sha256File(file);
  if (actual !== expected) throw new Error(`sha256 mismatch for ${from}: expected ${expected}, got ${actual}`);
  return file;
}

/** Throws unless `file` is an x86-64 Linux ELF executable (what Lambda x86_64 runs). */
export async function assertLinuxX64Elf(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const { buffer } = await fh.read(Buffer.alloc(20), 0, 20, 0);
    const elf = buffer[0] === 0x7f && buffer.toString('latin1', 1, 4) === 'ELF';
    const is64 = buffer[4] === 2;
    const machine = buffer.readUInt16LE(18);
    if (!elf || !is64 || machine !== 0x3e)
      throw new Error(`${file} is not a 64-bit x86-64 Linux executable (Lambda runs x86_64 here)`);
  } finally {
    await fh.close();
  }
}

async function findIn(dir: string, name: string): Promise<string | undefined> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory()) {
      const hit = await findIn(p, name);
      if (hit) return hit;
    }
  }
  return undefined;
}

async function extract(archive: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  if (/\.zip$/i.test(archive)) await run('unzip', ['-q', archive, '-d', dest]);
  else await run('tar', ['-xf', archive, '-C', dest]);
}

/** The binary's first `-version` line, when this machine can run it; '' otherwise. */
async function versionOf(bin: string): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return '';
  try {
    const { stdout } = await run(bin, ['-version'], { timeout: 30_000 });
    return stdout.split('\n')[0]?.trim() ?? '';
  } catch (err) {
    throw new Error(`${bin} -version failed: ${(err as Error).message}`);
  }
}

/** True when `dir` already holds a complete layer. */
export function layerIsStaged(dir = DEFAULT_LAYER_DIR): boolean {
  return ['bin/ffmpeg', 'bin/ffprobe', 'ffmpeg-layer.json'].every((f) => existsSync(path.join(dir, f)));
}

/** The `source` label ffmpeg-layer.json records for a --debian layer. */
export const DEBIAN_SOURCE_LABEL = 'debian: /usr/bin/ffmpeg + /usr/bin/ffprobe with their shared libraries';

/** Stages Debian's ffmpeg (scripts/debian-ffmpeg-layer.ts) and describes it. */
async function buildDebianLayer(out: string): Promise<LayerInfo> {
  await rm(out, { recursive: true, force: true });
  const staged = await stageDebianFfmpeg(out);
  const binaries = {} as LayerInfo['binaries'];
  for (const name of ['ffmpeg', 'ffprobe'] as const) {
    const file = path.join(out, 'ffmpeg', 'libexec', name);
    binaries[name] = {
      from: `/usr/bin/${name}`,
      sha256: await sha256File(file),
      bytes: (await stat(file)).size,
      version: await versionOf(path.join(out, 'bin', name)),
    };
  }
  if (staged.totalBytes > LAMBDA_UNZIPPED_LIMIT * 0.8) {
    console.warn(
      `warning: the layer is ${(staged.totalBytes / 1048576).toFixed(0)} MiB unzipped; Lambda allows 250 MiB for a function and its layers together`,
    );
  }
  return {
    source: DEBIAN_SOURCE_LABEL,
    builtAt: new Date().toISOString(),
    binaries,
    closure: {
      totalBytes: staged.totalBytes,
      untrimmedBytes: staged.untrimmedBytes,
      real: staged.libs.filter((l) => l.kind === 'real').map((l) => l.soname),
      stubbed: staged.libs.filter((l) => l.kind === 'stub').map((l) => l.soname),
    },
  };
}

/** Stages the layer; returns its description (read back when --if-missing kept it). */
export async function buildLayer(opts: LayerOptions): Promise<{ info: LayerInfo; reused: boolean }> {
  if (opts.ifMissing && layerIsStaged(opts.out)) {
    const info = JSON.parse(await readFile(path.join(opts.out, 'ffmpeg-layer.json'), 'utf8')) as LayerInfo;
    // A staged npm fallback is never kept when Debian's (production) build was asked for.
    if (opts.source.kind !== 'debian' || info.source === DEBIAN_SOURCE_LABEL) return { info, reused: true };
  }
  if (opts.source.kind === 'debian') {
    const info = await buildDebianLayer(opts.out);
    await writeFile(path.join(opts.out, 'ffmpeg-layer.json'), `${JSON.stringify(info, null, 2)}\n`);
    return { info, reused: false };
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'mt-layer-'));
  try {
    let ffmpeg: string;
    let ffprobe: string;
    let label: string;
    const from: Record<'ffmpeg' | 'ffprobe', string> = { ffmpeg: '', ffprobe: '' };
    if (opts.source.kind === 'npm') {
      for (const f of [NPM_FFMPEG, NPM_FFPROBE]) {
        if (!existsSync(f)) {
          throw new Error(
            `${path.relative(ROOT, f)} is missing. It is installed on Linux x64 by npm install; elsewhere run ` +
              '`npm install --no-save --force @ffmpeg-installer/linux-x64 @ffprobe-installer/linux-x64`, or pass --archive/--ffmpeg.',
          );
        }
      }
      [ffmpeg, ffprobe] = [NPM_FFMPEG, NPM_FFPROBE];
      label = 'npm: @ffmpeg-installer/linux-x64 + @ffprobe-installer/linux-x64';
      from.ffmpeg = path.relative(ROOT, NPM_FFMPEG);
      from.ffprobe = path.relative(ROOT, NPM_FFPROBE);
    } else if (opts.source.kind === 'archive') {
      const archive = await fetchChecked(opts.source.from, opts.source.sha256, tmp);
      const x = path.join(tmp, 'x');
      await extract(archive, x);
      const a = await findIn(x, 'ffmpeg');
      const b = await findIn(x, 'ffprobe');
      if (!a || !b) throw new Error(`${opts.source.from} does not contain both ffmpeg and ffprobe`);
      [ffmpeg, ffprobe] = [a, b];
      label = `archive ${opts.source.from} (sha256 ${opts.source.sha256})`;
      from.ffmpeg = `${opts.source.from}:${path.relative(x, a)}`;
      from.ffprobe = `${opts.source.from}:${path.relative(x, b)}`;
    } else {
      ffmpeg = await fetchChecked(opts.source.ffmpeg, opts.source.ffmpegSha256, tmp);
      ffprobe = await fetchChecked(opts.source.ffprobe, opts.source.ffprobeSha256, tmp);
      label = 'files';
      from.ffmpeg = opts.source.ffmpeg;
      from.ffprobe = opts.source.ffprobe;
    }

    await assertLinuxX64Elf(ffmpeg);
    await assertLinuxX64Elf(ffprobe);
    await rm(opts.out, { recursive: true, force: true });
    await mkdir(path.join(opts.out, 'bin'), { recursive: true });
    const binaries = {} as LayerInfo['binaries'];
    let total = 0;
    for (const [name, src] of [
      ['ffmpeg', ffmpeg],
      ['ffprobe', ffprobe],
    ] as const) {
      const dest = path.join(opts.out, 'bin', name);
      await copyFile(src, dest);
      // Lambda runs functions as a non-root user: the binaries must be world-executable.
      await chmod(dest, 0o755);
      const { size } = await stat(dest);
      total += size;
      binaries[name] = {
        from: from[name],
        sha256: await sha256File(dest),
        bytes: size,
        version: await versionOf(dest),
      };
    }
    if (total > LAMBDA_UNZIPPED_LIMIT * 0.8) {
      console.warn(
        `warning: the layer is ${(total / 1048576).toFixed(0)} MiB unzipped; Lambda allows 250 MiB for a function and its layers together`,
      );
    }
    const info: LayerInfo = { source: label, builtAt: new Date().toISOString(), binaries };
    await writeFile(path.join(opts.out, 'ffmpeg-layer.json'), `${JSON.stringify(info, null, 2)}\n`);
    return { info, reused: false };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  (async () => {
    const opts = parseLayerArgs(process.argv.slice(2));
    const { info, reused } = await buildLayer(opts);
    const rel = path.relative(ROOT, opts.out) || opts.out;
    console.log(`${reused ? 'kept the staged layer' : 'staged the layer'} in ${rel} (${info.source})`);
    for (const [name, b] of Object.entries(info.binaries)) {
      console.log(
        `  bin/${name}  ${(b.bytes / 1048576).toFixed(1)} MiB  sha256 ${b.sha256}${b.version ? `  ${b.version}` : ''}`,
      );
    }
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
