/**
 * A self-contained ffmpeg + ffprobe from a Debian system's ffmpeg (apt), for the Lambda layer:
 *
 *   bin/ffmpeg, bin/ffprobe          /bin/sh wrappers: run the real binary with the bundled loader
 *                                    and only the bundled libraries (`ld.so --library-path`), so
 *                                    neither Lambda's glibc nor its LD_LIBRARY_PATH is used
 *   ffmpeg/libexec/ffmpeg, ffprobe   Debian's binaries, unchanged
 *   ffmpeg/lib/<soname>              their shared-library closure, the loader and glibc included
 *
 * The libraries live under ffmpeg/lib, never lib/: Lambda puts /opt/lib on every process's
 * LD_LIBRARY_PATH, and a glibc there would be loaded into the Node runtime itself.
 *
 * Why stubs: Debian's ffmpeg links ~100 codec, format, filter and device libraries (the closure
 * is 214 files, ~235 MiB), which with the functions' own code is over Lambda's 250 MB unzipped
 * limit. The libraries are linked with BIND_NOW, so each one named in a DT_NEEDED entry must
 * load and define every symbol imported from it. The ones the pipeline never uses (KEEP below
 * says which are used) are replaced by generated stubs: a tiny library with the same soname,
 * version nodes and symbols, whose functions return 0 and whose data is zeroes. ffmpeg only
 * calls into such a library when its codec, format, filter or device is opened; at start-up
 * the few that are probed (e.g. libaom's capabilities) read 0, i.e. "nothing". Everything a kept
 * library needs is kept whole. test/e2e/ffmpeg-layer.test.ts runs a whole job with the result.
 *
 * Needs: ldd and readelf (binutils) and a C compiler (gcc) for the stubs.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Libraries that the ffmpeg libraries (libav*, libsw*, libpostproc) link and the pipeline uses:
 * glibc and compression, the encoders of the presets and of the formats this project targets
 * (x264, x265, SVT-AV1, libvpx, Opus), AV1 decoding (dav1d), zscale (zimg, HDR tone mapping),
 * the resampler (soxr) and TLS (gnutls: ffprobe reads the source over a presigned https URL).
 */
export const KEEP = [
  /^lib(c|m|dl|rt|pthread|gcc_s|stdc\+\+)\.so/,
  /^lib(z|bz2|lzma)\.so/,
  /^libx264\.so/,
  /^libx265\.so/,
  /^libSvtAv1Enc\.so/,
  /^libvpx\.so/,
  /^libopus\.so/,
  /^libdav1d\.so/,
  /^libzimg\.so/,
  /^libsoxr\.so/,
  /^libgnutls\.so/,
  // Called on every run (found with stub mode `trace` over a corpus of containers and codecs):
  // the game-music and tracker demuxers' probes ask libgme and libopenmpt about every input, and
  // libaom's encoder reports its capabilities when the codec list is first walked.
  /^libgme\.so/,
  /^libopenmpt\.so/,
  /^libaom\.so/,
];
const FFMPEG_LIB = /^lib(av[a-z0-9]*|sw[a-z]+|postproc)\.so/;

/** One library of the staged closure. */
export interface StagedLib {
  soname: string;
  bytes: number;
  /** `stub` replaces the real library (whose size is `realBytes`). */
  kind: 'real' | 'stub';
  realBytes: number;
}

/** What the Debian layer holds. */
export interface DebianLayer {
  ffmpegVersion: string;
  libs: StagedLib[];
  /** Bytes of the whole folder (wrappers, binaries, libraries). */
  totalBytes: number;
  /** Bytes the untrimmed closure would take. */
  untrimmedBytes: number;
}

async function needed(file: string): Promise<string[]> {
  const { stdout } = await run('readelf', ['-d', '-W', file], { maxBuffer: 16 << 20 });
  return [...stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

/** soname -> real file, and the loader, as the system resolves them for `bins`. */
async function resolveSonames(bins: string[]): Promise<{ paths: Map<string, string>; loader: string }> {
  const paths = new Map<string, string>();
  let loader = '';
  for (const b of bins) {
    const { stdout } = await run('ldd', [b], { maxBuffer: 16 << 20 });
    for (const line of stdout.split('\n')) {
      const m = /^\s*(\S+) => (\/\S+)/.exec(line);
      if (m) paths.set(m[1], await realpath(m[2]));
      else if (/^\s*(\/\S*ld-linux\S*)/.test(line)) loader = /^\s*(\S+)/.exec(line)![1];
      else if (/not found/.test(line)) throw new Error(`${b}: ${line.trim()}`);
    }
  }
  if (!loader) throw new Error(`${bins[0]} is not a dynamically linked glibc executable`);
  return { paths, loader: await realpath(loader) };
}

/**
 * What a stub function does when called: `abort` (the layer) writes "<soname>: <symbol> was
 * called" to stderr and kills the process with SIGABRT, so a use nobody foresaw fails loudly
 * instead of computing with a 0; `trace` writes the same line and returns 0 (to find, once, what
 * ffmpeg calls at start-up and while probing: those libraries belong in KEEP).
 */
export type StubMode = 'abort' | 'trace';

/** A C source and version script defining every dynamic symbol `lib` exports. */
async function stubSource(lib: string, soname: string, mode: StubMode): Promise<{ c: string; versionScript?: string }> {
  const { stdout } = await run('readelf', ['--dyn-syms', '-W', lib], { maxBuffer: 64 << 20 });
  const nodes = new Set<string>();
  // No libc: raw Linux x86-64 system calls (write 1, getpid 39, kill 62).
  const lines: string[] = [
    `/* generated by scripts/debian-ffmpeg-layer.ts: stand-in for ${soname}, which the layer leaves out */`,
    'static long mt_sys3(long n, long a, long b, long c) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory"); return r; }',
    `static long mt_called(const char *m, long len) { mt_sys3(1, 2, (long)m, len); ${mode === 'abort' ? 'mt_sys3(62, mt_sys3(39, 0, 0, 0), 6, 0); for (;;) {}' : 'return 0;'} }`,
  ];
  let n = 0;
  for (const row of stdout.split('\n')) {
    const f = row.trim().split(/\s+/);
    // Num: Value Size Type Bind Vis Ndx Name
    if (f.length < 8 || !/^\d+:$/.test(f[0])) continue;
    const [, , sizeStr, type, bind, , ndx, name] = f;
    if (ndx === 'UND' || bind === 'LOCAL' || !name) continue;
    const m = /^([^@]+)(@@?)(.+)$/.exec(name);
    const sym = m ? m[1] : name;
    // A defined _init/_fini would become the stub's own constructor/destructor; nobody imports them.
    if (sym === '_init' || sym === '_fini') continue;
    // Version definitions show up as absolute symbols named after their node.
    if (ndx === 'ABS') {
      if (m) nodes.add(m[3]);
      continue;
    }
    const local = `mt_stub_${n++}`;
    const size = Math.max(1, Number(sizeStr.startsWith('0x') ? parseInt(sizeStr, 16) : sizeStr) || 1);
    const isCode = type === 'FUNC' || type === 'IFUNC' || type === 'NOTYPE';
    if (isCode) {
      const msg = JSON.stringify(
        `media-transcoder layer: ${soname} is left out of this ffmpeg build, but ${sym} was called\n`,
      );
      lines.push(`long ${local}(void) { static const char m[] = ${msg}; return mt_called(m, sizeof m - 1); }`);
    } else if (type === 'TLS') lines.push(`__thread char ${local}[${size}];`);
    else lines.push(`char ${local}[${size}] __attribute__((aligned(16)));`);
    if (m) {
      nodes.add(m[3]);
      lines.push(`__asm__(".symver ${local}, ${sym}${m[2]}${m[3]}");`);
    } else {
      lines.push(`__asm__(".globl ${sym}\\n.set ${sym}, ${local}");`);
      lines.push(
        isCode ? `__asm__(".type ${sym}, @function");` : `__asm__(".type ${sym}, @object\\n.size ${sym}, ${size}");`,
      );
    }
  }
  if (!nodes.size) return { c: `${lines.join('\n')}\n` };
  const versionScript = `${[...nodes].map((v, i) => (i === 0 ? `${v} { local: mt_*; };` : `${v} { };`)).join('\n')}\n`;
  return { c: `${lines.join('\n')}\n`, versionScript };
}

async function buildStub(lib: string, soname: string, outFile: string, tmp: string, mode: StubMode): Promise<void> {
  const { c, versionScript } = await stubSource(lib, soname, mode);
  const base = path.join(tmp, soname);
  await writeFile(`${base}.c`, c);
  const args = ['-shared', '-fPIC', '-O0', '-nostdlib', '-o', outFile, `-Wl,-soname,${soname}`, `${base}.c`];
  if (versionScript) {
    await writeFile(`${base}.map`, versionScript);
    args.push(`-Wl,--version-script=${base}.map`);
  }
  const cc = process.env.CC || 'gcc';
  try {
    await run(cc, args, { maxBuffer: 16 << 20 });
  } catch (err) {
    throw new Error(
      `cannot build the stub of ${soname} with ${cc} (apt-get install gcc): ${(err as Error).message.split('\n').slice(0, 4).join(' ')}`,
    );
  }
}

const wrapper = (name: string) => `#!/bin/sh
# Debian's ${name}, run by the loader and with only the libraries of this folder
# (scripts/debian-ffmpeg-layer.ts): no system glibc, no LD_LIBRARY_PATH.
d="\${0%/*}/../ffmpeg"
exec "$d/lib/ld-linux-x86-64.so.2" --library-path "$d/lib" --argv0 "$0" "$d/libexec/${name}" "$@"
`;

/**
 * Stages Debian's ffmpeg and ffprobe (`ffmpeg`, `ffprobe` absolute paths) and their trimmed
 * closure into `out` (which must be empty or absent).
 */
export async function stageDebianFfmpeg(
  out: string,
  bins = { ffmpeg: '/usr/bin/ffmpeg', ffprobe: '/usr/bin/ffprobe' },
  stubMode: StubMode = 'abort',
): Promise<DebianLayer> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error('the Debian ffmpeg layer is built on Linux x64 (the Lambda architecture)');
  const { paths, loader } = await resolveSonames([bins.ffmpeg, bins.ffprobe]);
  const libDir = path.join(out, 'ffmpeg', 'lib');
  const exeDir = path.join(out, 'ffmpeg', 'libexec');
  await mkdir(libDir, { recursive: true });
  await mkdir(exeDir, { recursive: true });
  await mkdir(path.join(out, 'bin'), { recursive: true });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'mt-stubs-'));
  try {
    // Walk DT_NEEDED from the two binaries: the ffmpeg libraries' own dependencies are kept or
    // stubbed by KEEP; a kept library's dependencies are all kept (it may call any of them).
    const decided = new Map<string, 'real' | 'stub'>();
    const queue: { soname: string; fromFfmpegLib: boolean }[] = [];
    for (const b of [bins.ffmpeg, bins.ffprobe])
      for (const s of await needed(b)) queue.push({ soname: s, fromFfmpegLib: true });
    while (queue.length) {
      const { soname, fromFfmpegLib } = queue.shift()!;
      // The loader is staged under its own name below.
      if (soname.startsWith('ld-linux') || decided.get(soname) === 'real') continue;
      const keep = FFMPEG_LIB.test(soname) || !fromFfmpegLib || KEEP.some((k) => k.test(soname));
      if (decided.has(soname) && !keep) continue;
      decided.set(soname, keep ? 'real' : 'stub');
      if (!keep) continue;
      const file = paths.get(soname);
      if (!file) throw new Error(`${soname}: not resolved by ldd`);
      const isFfmpegLib = FFMPEG_LIB.test(soname);
      for (const d of await needed(file)) queue.push({ soname: d, fromFfmpegLib: isFfmpegLib });
    }
    const libs: StagedLib[] = [];
    for (const [soname, kind] of [...decided.entries()].sort()) {
      const file = paths.get(soname);
      if (!file) throw new Error(`${soname}: not resolved by ldd`);
      const dest = path.join(libDir, soname);
      if (kind === 'real') await copyFile(file, dest);
      else await buildStub(file, soname, dest, tmp, stubMode);
      libs.push({ soname, kind, bytes: (await stat(dest)).size, realBytes: (await stat(file)).size });
    }
    await copyFile(loader, path.join(libDir, 'ld-linux-x86-64.so.2'));
    await chmod(path.join(libDir, 'ld-linux-x86-64.so.2'), 0o755);
    for (const name of ['ffmpeg', 'ffprobe'] as const) {
      await copyFile(bins[name], path.join(exeDir, name));
      await chmod(path.join(exeDir, name), 0o755);
      await writeFile(path.join(out, 'bin', name), wrapper(name));
      await chmod(path.join(out, 'bin', name), 0o755);
    }
    // Everything world-readable: Lambda runs functions as a non-root user.
    for (const l of libs) await chmod(path.join(libDir, l.soname), 0o755);

    let untrimmedBytes = (await stat(loader)).size + (await stat(bins.ffmpeg)).size + (await stat(bins.ffprobe)).size;
    for (const f of new Set(paths.values())) untrimmedBytes += (await stat(f)).size;
    const { stdout } = await run(path.join(out, 'bin', 'ffmpeg'), ['-hide_banner', '-version'], {
      env: { PATH: '/usr/bin:/bin', LD_LIBRARY_PATH: '' },
      cwd: '/',
    });
    const ffmpegVersion = /^ffmpeg version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
    return { ffmpegVersion, libs, totalBytes: await dirBytes(out), untrimmedBytes };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return total;
}
