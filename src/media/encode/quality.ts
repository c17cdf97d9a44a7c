/**
 * The quality figure of a segment's renditions: SSIM and PSNR of its first few frames against the
 * source frames they were made from, at the source's size. Cheap by construction: the reference
 * frames are one more output of the segment's own decode (a `select` of the first frames written
 * losslessly, like the stills), and one small ffmpeg afterwards decodes only those first frames
 * of each rendition's piece, scales them back to the source size and runs ffmpeg's `psnr` and
 * `ssim` filters. The first frames of a segment are the ones at a join (a keyframe and the frames
 * predicted from it): where a wrong frame, a missing reference or a bad cut shows first.
 */
import type { FfMap, FfOutput } from '../ffmpeg/command.js';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { EncoderError } from '../../errors.js';
import { rotationFilter } from './args.js';

/**
 * Frames a segment measures (its first ones). Decoding a frame deep into a piece means decoding
 * every frame before it: measuring the stills' frames (anywhere in a segment) cost 1.1-1.5 CPU-s
 * per 4 s 720p segment of a 3-rung ladder, about 12 % of its encode; the first 3 frames cost
 * about 0.33 CPU-s, 3 % (both measured at load 20: order of magnitude only).
 */
export const QUALITY_FRAMES = 3;

/** What a segment measures: its first `frames` frames, and where the reference goes. */
export interface QualityReference {
  frames: number;
  file: string;
}

/** The frames a segment measures: the first QUALITY_FRAMES of its `count`. */
export const qualityFrames = (seg: { count: number }): number => Math.min(QUALITY_FRAMES, seg.count);

/**
 * The reference frames as one more output of the segment's encode (input 0 is its video): its
 * first frames in presentation order, picked as the stills are (a range read by source pts: from
 * the segment's first frame on, since the decoder may show earlier frames; a split piece by
 * decoded frame number after the `skip` frames, turned as the command turns them), in the
 * source's pixel format, FFV1 in NUT (lossless). `colour` is the tone-mapping chain when the
 * renditions are tone-mapped (compared in the renditions' colour), else empty.
 */
export function qualityReferenceOutputs(p: {
  frames: number;
  startPts: number;
  video: FfMap;
  by: { pts: true } | { n: true; skip: number };
  rotation: number;
  colour: string[];
  file: string;
}): FfOutput[] {
  if (p.frames < 1) return [];
  const pick =
    'pts' in p.by
      ? [`select=gte(pts\\,${p.startPts})`, `select=lt(n\\,${p.frames})`]
      : [`select=between(n\\,${p.by.skip}\\,${p.by.skip + p.frames - 1})`];
  const turn = 'n' in p.by ? rotationFilter(p.rotation) : [];
  return [
    {
      maps: [p.video],
      options: [
        '-an',
        '-sn',
        '-dn',
        '-vf',
        [...pick, ...turn, ...p.colour].join(','),
        '-frames:v',
        String(p.frames),
        '-c:v',
        'ffv1',
        '-f',
        'nut',
      ],
      url: p.file,
    },
  ];
}

/** One rendition's figures for the frames measured (in order), PSNR capped at PSNR_CAP_DB. */
export interface QualityFigures {
  frames: number;
  ssim: number[];
  psnr: number[];
}

/** PSNR of identical frames is infinite; JSON has no Infinity: reported as this many dB. */
export const PSNR_CAP_DB = 100;

const safePath = (f: string) => {
  // The stats file names go inside a filter graph, where `:`, `,`, `'` and `\` are syntax.
  if (!/^[\w/.+-]+$/.test(f))
    throw new EncoderError('ENCODER_FAILED', `quality stats path has characters a filter graph cannot carry: ${f}`);
  return f;
};

/**
 * The measurement command: input 0 the reference frames, then each rendition's piece. Each
 * rendition's first `frames` frames (presentation order; the decode stops there) are numbered
 * like the reference's, scaled to the reference's size (scale2ref), and both converted to 8-bit
 * 4:2:0 before psnr then ssim (each writes its per-frame stats file).
 */
export function buildQualityArgs(p: {
  reference: string;
  renditions: { file: string; psnrStats: string; ssimStats: string }[];
  frames: number;
}): string[] {
  const r = p.renditions.length;
  const graph: string[] = [`[0:v]settb=1,setpts=N,split=${r}${p.renditions.map((_, i) => `[ref${i}]`).join('')}`];
  p.renditions.forEach((x, i) => {
    graph.push(
      `[${i + 1}:v]trim=end_frame=${p.frames},settb=1,setpts=N[d${i}]`,
      `[d${i}][ref${i}]scale2ref=flags=bicubic[ds${i}][rs${i}]`,
      `[ds${i}]format=yuv420p[df${i}]`,
      `[rs${i}]format=yuv420p,split[ra${i}][rb${i}]`,
      `[df${i}][ra${i}]psnr=stats_file=${safePath(x.psnrStats)}[dp${i}]`,
      `[dp${i}][rb${i}]ssim=stats_file=${safePath(x.ssimStats)}[out${i}]`,
    );
  });
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-protocol_whitelist',
    'file',
    '-i',
    p.reference,
    ...p.renditions.flatMap((x) => ['-protocol_whitelist', 'file', '-i', x.file]),
    '-filter_complex',
    graph.join(';'),
    ...p.renditions.flatMap((_, i) => ['-map', `[out${i}]`, '-f', 'null', '-']),
  ];
}

/** Per-frame values of a psnr (`psnr_avg:`) or ssim (`All:`) stats file. */
export function parseStats(text: string, kind: 'psnr' | 'ssim'): number[] {
  const re = kind === 'psnr' ? /psnr_avg:(\S+)/ : /All:(\S+)/;
  return text
    .split('\n')
    .map((l) => re.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map((x) => (x === 'inf' ? PSNR_CAP_DB : Math.min(PSNR_CAP_DB, Number(x))));
}

/** Runs the measurement (a runner that throws on failure) and reads each rendition's figures. */
export async function measureQuality(
  run: (args: string[]) => Promise<unknown>,
  p: { dir: string; reference: QualityReference; renditions: { name: string; file: string }[] },
): Promise<Record<string, QualityFigures>> {
  const out: Record<string, QualityFigures> = {};
  if (p.reference.frames < 1 || !p.renditions.length) return out;
  const files = p.renditions.map((x, i) => ({
    ...x,
    psnrStats: path.join(p.dir, `q${i}.psnr.log`),
    ssimStats: path.join(p.dir, `q${i}.ssim.log`),
  }));
  await run(buildQualityArgs({ reference: p.reference.file, renditions: files, frames: p.reference.frames }));
  for (const f of files) {
    const psnr = parseStats(await readFile(f.psnrStats, 'utf8'), 'psnr');
    const ssim = parseStats(await readFile(f.ssimStats, 'utf8'), 'ssim');
    out[f.name] = {
      frames: Math.min(psnr.length, ssim.length),
      ssim: ssim.map((x) => Number(x.toFixed(5))),
      psnr: psnr.map((x) => Number(x.toFixed(3))),
    };
  }
  return out;
}
