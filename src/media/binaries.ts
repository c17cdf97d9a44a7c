import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The ffmpeg and ffprobe executables in use, and where they came from. */
export interface Binaries {
  ffmpeg: string;
  ffprobe: string;
  source: { ffmpeg: string; ffprobe: string };
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function fromNpm(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | undefined {
  try {
    const p = (require(pkg) as { path: string }).path;
    return existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function resolveOne(name: 'ffmpeg' | 'ffprobe', env: NodeJS.ProcessEnv): { path: string; source: string } {
  const override = env[name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'];
  if (override) {
    if (!existsSync(override)) throw new Error(`${name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'}=${override} does not exist`);
    return { path: override, source: 'env' };
  }
  // A Lambda layer puts them under /opt/bin (on PATH in Lambda) or /opt.
  const layer = path.join('/opt/bin', name);
  if (existsSync(layer)) return { path: layer, source: 'layer' };
  const sys = onPath(name);
  if (sys) return { path: sys, source: 'system' };
  const npm = fromNpm(name === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe');
  if (npm) return { path: npm, source: 'npm' };
  throw new Error(`${name} not found: set ${name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'}, install it, or run npm install`);
}

let cached: Binaries | undefined;

/** Forces a toolchain (tests run the pipeline with each available one); undefined resets. */
export function setBinaries(b: Binaries | undefined): void {
  cached = b;
}

/** The static builds shipped in npm packages, when installed. */
export function npmBinaries(): Binaries | undefined {
  const ffmpeg = fromNpm('@ffmpeg-installer/ffmpeg');
  const ffprobe = fromNpm('@ffprobe-installer/ffprobe');
  return ffmpeg && ffprobe ? { ffmpeg, ffprobe, source: { ffmpeg: 'npm', ffprobe: 'npm' } } : undefined;
}

/**
 * Finds ffmpeg and ffprobe: FFMPEG_PATH/FFPROBE_PATH, then a Lambda layer (/opt/bin), then
 * the system PATH, then the static builds shipped in npm packages. Resolved once.
 */
export function resolveBinaries(env: NodeJS.ProcessEnv = process.env): Binaries {
  if (cached && env === process.env) return cached;
  const f = resolveOne('ffmpeg', env);
  const p = resolveOne('ffprobe', env);
  const b = { ffmpeg: f.path, ffprobe: p.path, source: { ffmpeg: f.source, ffprobe: p.source } };
  if (env === process.env) cached = b;
  return b;
}

/** Which ffmpeg produced a job's outputs, as the job's COMPLETE and ERROR events say it. */
export interface EncoderInfo {
  /** The version `ffmpeg -version` prints, e.g. "5.1.8-0+deb12u1" or "N-47683-g0e8eb07980-static". */
  ffmpegVersion: string;
}

/** `ffmpeg -version`'s first line to the version token; undefined when it is not ffmpeg's banner. */
export function parseFfmpegVersion(firstLine: string): string | undefined {
  return /^ffmpeg version (\S+)/.exec(firstLine.trim())?.[1];
}

// Per binary path: tests swap toolchains in one process (setBinaries), production has one.
const versions = new Map<string, Promise<string>>();

/**
 * The version of the ffmpeg in use, asked once per process (and binary). Never rejects: a
 * binary that cannot say its version is reported as "unknown (...)", since the event that
 * carries it must still go out.
 */
export function ffmpegVersion(ffmpeg = resolveBinaries().ffmpeg): Promise<string> {
  let v = versions.get(ffmpeg);
  if (!v) {
    v = new Promise<string>((resolve) => {
      execFile(ffmpeg, ['-hide_banner', '-version'], { timeout: 10_000 }, (err, stdout) => {
        const found = parseFfmpegVersion(String(stdout).split('\n')[0] ?? '');
        resolve(found ?? `unknown (${err ? err.message.split('\n')[0] : 'unrecognised -version output'})`);
      });
    });
    versions.set(ffmpeg, v);
  }
  return v;
}

/** What the job events report about the encoder in use. */
export async function encoderInfo(): Promise<EncoderInfo> {
  return { ffmpegVersion: await ffmpegVersion() };
}
