/**
 * CMAF pieces from the segment workers: pure ffmpeg argument builders for a segment's video
 * fragments and a chunk of audio, the arithmetic that places them on the job's timeline, and
 * the checks that refuse an encoder whose fragments would not play back at the source's times.
 *
 * Timeline: every track's time zero is the plan's first frame. A video track's timescale is the
 * source time base's denominator, so each frame's source timestamp is an integer number of
 * ticks and is kept exactly; a segment's fragment gets tfdt = its first frame's source ticks
 * minus the plan's first frame. Video fragments use trun version 1 (signed composition
 * offsets, ffmpeg's negative_cts_offsets), so the first frame's decode time equals its
 * presentation time and no edit list is needed (CMAF's recommendation for video).
 *
 * Audio (AAC, 1024 samples a frame) is cut at frame boundaries near the video cuts and each
 * chunk is encoded with pre-roll and look-ahead; the extra packets are dropped by bytes
 * (isobmff.keepSamples), so joined chunks decode like one encode (proved in test/e2e/cmaf.test.ts).
 * The audio chunks live in audioChunks.ts (re-exported here).
 */
import { EncoderError } from '../../errors.js';
import type { Rational } from '../probe/probe.js';
import {
  boxBytes,
  concatBytes,
  copyBytes,
  listBoxes,
  makeBox,
  readFragments,
  sampleTimes,
  view,
  type FragmentInfo,
  type TrackDefaults,
} from '../package/isobmff.js';

export {
  AAC_FRAME,
  AAC_PRIMING,
  AUDIO_LOOKAHEAD_FRAMES,
  AUDIO_PREROLL_FRAMES,
  type AudioChunk,
  type AudioChunkOutput,
  audioChunkCommand,
  audioChunkSpanSec,
  audioChunkWindow,
  planAudioChunks,
} from './audioChunks.js';

/**
 * The timescale that holds a time base's ticks exactly: its denominator (a source time base
 * num/den has ticks of num/den s, i.e. num units of 1/den).
 */
export function trackTimescale(tb: Rational): { timescale: number; unitsPerTick: number } {
  return { timescale: tb.den, unitsPerTick: tb.num };
}

/** The fMP4 muxer options of one output: one fragment for the whole piece, moof-relative offsets. */
export function fragmentMuxerArgs(p: { timescale?: number; negativeCts: boolean }): string[] {
  return [
    ...(p.timescale ? ['-video_track_timescale', String(p.timescale)] : []),
    // empty_moov: the init segment carries no samples, so every worker writes the same one.
    // default_base_moof: data offsets relative to the moof, so fragments can be joined or moved.
    // frag_duration at its maximum: a segment is one fragment (one moof+mdat).
    '-movflags',
    `+empty_moov+default_base_moof${p.negativeCts ? '+negative_cts_offsets' : ''}`,
    '-frag_duration',
    '2147483647',
    '-f',
    'mp4',
  ];
}

/**
 * Checks the presentation side of a segment's video fragment (placed: tfdt = the segment's first
 * frame) before its decode times are rewritten: the planned number of frames, a keyframe first,
 * presented first with composition offset 0, every frame at its own time, all of them inside the
 * segment [start, start + span). These are the encoder's facts the rewrite keeps; the decode
 * times and durations it replaces (withSourceTiming). A fragment that breaks them would play
 * frames at the wrong times: it is refused with ENCODER_UNSUPPORTED (the encoder, given valid
 * frames, wrote timing that cannot be kept), naming the frame and the times that differ.
 */
export function checkVideoFragment(
  f: FragmentInfo,
  expected: { count: number; spanTicks: number; what: string },
): void {
  const fail = (why: string): never => {
    throw new EncoderError(
      'ENCODER_UNSUPPORTED',
      `${expected.what}: the encoded fragment does not keep the source's frame times: ${why}`,
    );
  };
  if (f.samples.length !== expected.count) {
    throw new EncoderError(
      'SEGMENT_MISMATCH',
      `${expected.what}: ${f.samples.length} frames encoded, ${expected.count} planned`,
    );
  }
  if (!f.samples[0]?.sync) fail('its first frame is not a keyframe');
  const t = sampleTimes(f);
  const end = f.baseDecodeTime + expected.spanTicks;
  if (f.samples[0].cts !== 0) fail(`its first frame has composition offset ${f.samples[0].cts}, not 0`);
  const early = t.pts.findIndex((x) => x < t.pts[0]);
  if (early >= 0)
    fail(`frame ${early} (decode order) is presented at ${t.pts[early]} ticks, before the keyframe at ${t.pts[0]}`);
  const late = t.pts.findIndex((x) => x >= end);
  if (late >= 0)
    fail(`frame ${late} (decode order) is presented at ${t.pts[late]} ticks, at or past the segment's end ${end}`);
  const seen = new Map<number, number>();
  t.pts.forEach((x, i) => {
    if (seen.has(x)) fail(`frames ${seen.get(x)} and ${i} (decode order) are both presented at ${x} ticks`);
    seen.set(x, i);
  });
}

/**
 * Gives a checked video fragment the source's timing in its decode times too: sample i (decode
 * order) is decoded at the i-th presentation time, so each sample's duration is the source's
 * presentation duration of that frame, the last one lasting until the segment's end (the next
 * segment's first frame, or the source's end), and its composition offset (trun version 1,
 * signed) is what puts it back at its own presentation time. Presentation times do not move.
 *
 * Why: an encoder's decode timestamps are its own. With B-frames x264 starts decoding before the
 * first presentation by its reorder delay, measured on the first frames' durations; a source
 * whose first frame lasts 184 ms and the others 33 ms (a phone's) then gets a decode timeline
 * longer than the segment, and the muxer gives the last frame a nominal duration. Rewriting the
 * decode side from the presentation side makes every fragment span exactly its segment for any
 * frame durations, so joined fragments have no gap or overlap.
 *
 * Rebuilds the one trun with per-sample duration and composition-offset fields (the moof grows;
 * its moof-relative data offset follows). The mdat is copied unchanged.
 */
export function withSourceTiming(media: Uint8Array, endTicks: number, defaults: TrackDefaults): Uint8Array {
  const fail = (why: string): never => {
    throw new EncoderError('ENCODER_FAILED', `cannot set source timing on an encoded fragment: ${why}`);
  };
  const boxes = listBoxes(media);
  const moofRef = boxes.find((b) => b.type === 'moof') ?? fail('no moof');
  const info = readFragments(media, defaults);
  if (info.length !== 1) fail(`${info.length} fragments, expected one`);
  const moof = copyBytes(boxBytes(media, moofRef));
  const dv = view(moof);
  const traf = listBoxes(moof, 8).find((b) => b.type === 'traf') ?? fail('no traf');
  const trafChildren = listBoxes(moof, traf.body, traf.start + traf.size);
  const truns = trafChildren.filter((b) => b.type === 'trun');
  if (truns.length !== 1) fail(`${truns.length} trun boxes, expected one`);
  const trun = truns[0];
  const flags = dv.getUint32(trun.body) & 0xffffff;
  const n = dv.getUint32(trun.body + 4);
  const per = [0x100, 0x200, 0x400, 0x800].filter((x) => flags & x).length * 4;
  const sizeAt = flags & 0x100 ? 4 : 0;
  const first = trun.body + 8 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
  const t = sampleTimes(info[0]);
  const decode = [...t.pts].sort((a, b) => a - b);
  const entries: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const duration = (i + 1 < n ? decode[i + 1] : endTicks) - decode[i];
    if (duration <= 0) fail(`sample ${i} would last ${duration} ticks`);
    const e = new Uint8Array(8 + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0));
    const edv = view(e);
    edv.setUint32(0, duration);
    // Size and flags fields, as the encoder wrote them.
    e.set(moof.subarray(first + i * per + sizeAt, first + i * per + sizeAt + e.length - 8), 4);
    edv.setInt32(e.length - 4, t.pts[i] - decode[i]);
    entries.push(e);
  }
  const head = moof.slice(trun.body, first);
  view(head).setUint32(0, (1 << 24) | flags | 0x100 | 0x800);
  const newTrun = makeBox('trun', head, ...entries);
  const newTraf = makeBox('traf', ...trafChildren.map((b) => (b.start === trun.start ? newTrun : boxBytes(moof, b))));
  const newMoof = makeBox(
    'moof',
    ...listBoxes(moof, 8).map((b) => (b.start === traf.start ? newTraf : boxBytes(moof, b))),
  );
  if (flags & 0x1) {
    // The moof grew in front of its mdat: the moof-relative data offset moves with it.
    const at = listBoxes(newMoof, 8).find((b) => b.type === 'traf')!;
    const r = listBoxes(newMoof, at.body, at.start + at.size).find((b) => b.type === 'trun')!;
    view(newMoof).setInt32(r.body + 8, view(newMoof).getInt32(r.body + 8) + newMoof.length - moof.length);
  }
  return concatBytes([newMoof, ...boxes.filter((b) => b !== moofRef).map((b) => boxBytes(media, b))]);
}
