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

/** Where binaries are looked for: overrides and the search path (from the config). */
export interface BinaryLookup {
  FFMPEG_PATH?: string;
  FFPROBE_PATH?: string;
  PATH?: string;
}

function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
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

function resolveOne(name: 'ffmpeg' | 'ffprobe', env: BinaryLookup): { path: string; source: string } {
  const override = env[name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'];
  if (override) {
    if (!existsSync(override))
      throw new Error(`${name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'}=${override} does not exist`);
    return { path: override, source: 'env' };
  }
  // A Lambda layer puts them under /opt/bin (on PATH in Lambda) or /opt.
  const layer = path.join('/opt/bin', name);
  if (existsSync(layer)) return { path: layer, source: 'layer' };
  const sys = onPath(name, env.PATH ?? '');
  if (sys) return { path: sys, source: 'system' };
  const npm = fromNpm(name === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe');
  if (npm) return { path: npm, source: 'npm' };
  throw new Error(
    `${name} not found: set ${name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'}, install it, or run npm install`,
  );
}

/** The static builds shipped in npm packages, when installed. */
export function npmBinaries(): Binaries | undefined {
  const ffmpeg = fromNpm('@ffmpeg-installer/ffmpeg');
  const ffprobe = fromNpm('@ffprobe-installer/ffprobe');
  return ffmpeg && ffprobe ? { ffmpeg, ffprobe, source: { ffmpeg: 'npm', ffprobe: 'npm' } } : undefined;
}

/**
 * Finds ffmpeg and ffprobe: FFMPEG_PATH/FFPROBE_PATH, then a Lambda layer (/opt/bin), then
 * the search path, then the static builds shipped in npm packages. The runtime resolves them
 * once (src/runtime.ts).
 */
export function resolveBinaries(env: BinaryLookup): Binaries {
  const f = resolveOne('ffmpeg', env);
  const p = resolveOne('ffprobe', env);
  return { ffmpeg: f.path, ffprobe: p.path, source: { ffmpeg: f.source, ffprobe: p.source } };
}
