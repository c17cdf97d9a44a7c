/**
 * A real-content 1080p source for the worker-quota measurement: no 1080p camera or film clip
 * ships in an npm package or a Debian package this machine reaches (searched: the npm and
 * Debian package lists, `apt-cache search video|movie|sample`). Debian's `opencv-doc` ships
 * real clips at lower resolutions: an animated (CGI) film trailer (Megamind.avi, 720x528, 23.976 fps, with
 * sound), two handheld camera clips (box.mp4, cup.mp4, 640x480, ~30 fps, with sound) and a
 * fixed surveillance camera (vtest.avi, 768x576, 10 fps, silent). They are cropped to 16:9,
 * upscaled to 1920x1080 (lanczos) and converted to 30 fps (frames repeated, never
 * interpolated), then joined and encoded as a mezzanine (x264 CRF 18, 2 s GOP, AAC): real
 * motion, scene cuts, grain and noise, but softer than native 1080p and with repeated frames,
 * so it is likely CHEAPER to encode than native 1080p of the same content (see
 * docs/BENCHMARKS.md for how that is weighed in the pessimistic case).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { runProcess } from '../../src/media/ffmpeg/runner.js';

/** The clips used, in order: file under examples/data or html/, crop to 16:9, seconds taken. */
const CLIPS = [
  { file: 'examples/data/Megamind.avi', crop: '720:405', sec: 11, audio: true },
  { file: 'opencv4/html/box.mp4', crop: '640:360', sec: 15, audio: true },
  { file: 'opencv4/html/cup.mp4', crop: '640:360', sec: 8, audio: true },
  { file: 'examples/data/vtest.avi', crop: '768:432', sec: 22, audio: false },
] as const;

/** Seconds of the joined source (14 segments of 4 s). */
export const REAL_SOURCE_SEC = CLIPS.reduce((s, c) => s + c.sec, 0);

/** Where the clips come from: the installed package, or the .deb fetched with apt-get and unpacked. */
async function opencvDocRoot(cache: string): Promise<string> {
  const installed = '/usr/share/doc/opencv-doc';
  if (existsSync(path.join(installed, CLIPS[0].file))) return installed;
  const unpacked = path.join(cache, 'opencv-doc', 'usr/share/doc/opencv-doc');
  if (existsSync(path.join(unpacked, CLIPS[0].file))) return unpacked;
  const debs = path.join(cache, 'debs');
  await mkdir(debs, { recursive: true });
  // The ordinary Debian client: one package, by name.
  execFileSync('apt-get', ['download', 'opencv-doc'], { cwd: debs, stdio: 'ignore', timeout: 600_000 });
  const deb = (await readdir(debs)).find((f) => f.startsWith('opencv-doc_') && f.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download opencv-doc gave no .deb (is `apt-get update` done?)');
  await runProcess('dpkg', ['-x', path.join(debs, deb), path.join(cache, 'opencv-doc')], { timeoutMs: 600_000 });
  return unpacked;
}

/** Makes (or reuses) the joined real-content 1080p30 source under `cache`; returns its path. */
export async function realContentSource(ffmpeg: string, cache: string): Promise<string> {
  const out = path.join(cache, `real-content-1080p30-${REAL_SOURCE_SEC}s.mp4`);
  if (existsSync(out)) return out;
  const root = await opencvDocRoot(cache);
  const inputs: string[] = [];
  for (const c of CLIPS) {
    let f = path.join(root, c.file);
    if (!existsSync(f) && existsSync(`${f}.gz`)) {
      const plain = path.join(cache, path.basename(f));
      if (!existsSync(plain)) await writeFile(plain, gunzipSync(await readFile(`${f}.gz`)));
      f = plain;
    }
    inputs.push(f);
  }
  const args: string[] = ['-hide_banner', '-y'];
  CLIPS.forEach((c, i) => args.push('-t', String(c.sec), '-i', inputs[i]));
  const silent = CLIPS.length;
  args.push('-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo');
  const parts: string[] = [];
  const joined: string[] = [];
  CLIPS.forEach((c, i) => {
    parts.push(
      `[${i}:v]crop=${c.crop},scale=1920:1080:flags=lanczos,fps=30,setsar=1,format=yuv420p,trim=duration=${c.sec},setpts=PTS-STARTPTS[v${i}]`,
    );
    const a = c.audio ? `[${i}:a]` : `[${silent}:a]`;
    parts.push(
      `${a}aresample=48000,aformat=channel_layouts=stereo,apad,atrim=duration=${c.sec},asetpts=PTS-STARTPTS[a${i}]`,
    );
    joined.push(`[v${i}][a${i}]`);
  });
  parts.push(`${joined.join('')}concat=n=${CLIPS.length}:v=1:a=1[v][a]`);
  const tmp = `${out}.part.mp4`;
  args.push(
    '-filter_complex',
    parts.join(';'),
    '-map',
    '[v]',
    '-map',
    '[a]',
    '-c:v',
    'libx264',
    '-preset',
    'medium',
    '-crf',
    '18',
    '-g',
    '60',
    '-c:a',
    'aac',
    '-b:a',
    '192k',
    '-movflags',
    '+faststart',
    tmp,
  );
  await runProcess(ffmpeg, args, { timeoutMs: 1_800_000 });
  await rename(tmp, out);
  return out;
}
