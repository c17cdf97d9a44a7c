/**
 * The poster and the sprite's tiles, taken by the segment workers from frames they decode
 * anyway: no pass over the whole source. The plan says which segment takes which frame (pure);
 * the builder adds the pictures as outputs of the segment's own ffmpeg.
 */
import type { PacketIndex } from '../probe/probe.js';
import type { Plan } from '../plan/plan.js';
import { posterFramePts } from './poster.js';
import { rotationFilter } from '../encode/args.js';
import type { FfMap, FfOutput } from '../ffmpeg/command.js';

/** One still a segment worker writes: the frame (its source pts, and its place j in the segment). */
export interface StillFrame {
  pts: number;
  /** Index of the frame in the segment's frames in presentation order. */
  j: number;
}

/** What each segment worker takes: tile k of the sprite (several may share a frame), and maybe the poster. */
export interface SegmentStills {
  tiles: (StillFrame & { k: number })[];
  poster?: StillFrame;
}

/** A sprite tile's size (the segment workers write tiles, Assemble composes the sheet). */
export const STILL_TILE = { width: 160, height: 90 };

/** The sprite's tile count: one per interval from the plan's start, at least one. */
export const tileCount = (durationSec: number, intervalSec: number) =>
  Math.max(1, Math.ceil(durationSec / intervalSec));

/**
 * Which segment takes which still: tile k is the first frame at or after k x interval from the
 * plan's first frame (the last frame when none is), the poster the frame posterFramePts picks.
 */
export function planStills(
  idx: PacketIndex,
  plan: Pick<Plan, 'segments' | 'startPts' | 'durationSec' | 'timeBase'>,
  intervalSec: number,
): SegmentStills[] {
  const discard = new Set(idx.discard ?? []);
  // Every planned frame in presentation order, with its segment and its place in it.
  const frames: { pts: number; segment: number; j: number }[] = [];
  plan.segments.forEach((seg, s) => {
    const pts: number[] = [];
    for (let i = seg.startPacket; i < seg.endPacket; i++) if (!discard.has(i)) pts.push(idx.pts[i]);
    pts.sort((a, b) => a - b);
    const from = pts.indexOf(seg.startPts);
    pts.slice(from, from + seg.count).forEach((p, j) => frames.push({ pts: p, segment: s, j }));
  });
  const out: SegmentStills[] = plan.segments.map(() => ({ tiles: [] }));
  if (!frames.length) return out;
  const ticks = intervalSec / (plan.timeBase.num / plan.timeBase.den);
  let f = 0;
  for (let k = 0; k < tileCount(plan.durationSec, intervalSec); k++) {
    const at = plan.startPts + k * ticks;
    while (f < frames.length - 1 && frames[f].pts < at) f++;
    const x = frames[f];
    out[x.segment].tiles.push({ k, pts: x.pts, j: x.j });
  }
  const posterPts = posterFramePts(plan);
  const p = frames.find((x) => x.pts === posterPts) ?? frames[0];
  out[p.segment].poster = { pts: p.pts, j: p.j };
  return out;
}

/**
 * The stills of one segment as more outputs of its encode (`video`: the segment's video stream):
 * the distinct tile frames as JPEG tiles (`tilePattern`, numbered from 1 in presentation order)
 * and the poster as PNG. `by` says how the command numbers its frames: by source pts (a range
 * read keeps source timestamps) or by decoded frame number n (a split piece; `skip` frames come
 * first). `colour` makes HDR stills SDR (colour.stillColourFilters); `rotation` turns a split
 * piece's frames (a range read is turned by ffmpeg's autorotate already).
 */
export function buildStillOutputs(p: {
  stills: SegmentStills;
  video: FfMap;
  by: { pts: true } | { n: true; skip: number };
  rotation: number;
  colour: string[];
  tile: { width: number; height: number; pattern: string };
  poster: string;
}): FfOutput[] {
  const pick = (xs: StillFrame[]) =>
    xs.map((x) => ('pts' in p.by ? `eq(pts\\,${x.pts})` : `eq(n\\,${p.by.skip + x.j})`)).join('+');
  const turn = 'n' in p.by ? rotationFilter(p.rotation) : [];
  const out: FfOutput[] = [];
  const distinct = [...new Map(p.stills.tiles.map((t) => [t.pts, t])).values()];
  if (distinct.length) {
    const vf = [
      `select=${pick(distinct)}`,
      ...turn,
      ...p.colour,
      `scale=${p.tile.width}:${p.tile.height}:force_original_aspect_ratio=decrease,pad=${p.tile.width}:${p.tile.height}:(ow-iw)/2:(oh-ih)/2`,
    ].join(',');
    out.push({
      maps: [p.video],
      options: ['-an', '-sn', '-dn', '-vf', vf, '-frames:v', String(distinct.length), '-q:v', '4', '-f', 'image2'],
      url: p.tile.pattern,
    });
  }
  if (p.stills.poster) {
    out.push({
      maps: [p.video],
      options: [
        '-an',
        '-sn',
        '-dn',
        '-vf',
        [`select=${pick([p.stills.poster])}`, ...turn, ...p.colour].join(','),
        '-frames:v',
        '1',
        '-c:v',
        'png',
        '-f',
        'image2',
      ],
      url: p.poster,
    });
  }
  return out;
}
