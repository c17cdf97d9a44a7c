/**
 * Pure builders of ffmpeg commands (command.ts): the split pass and a segment's video encode.
 * Nothing here runs a process, so every choice that decides output correctness is testable
 * without the binary.
 */
import { rungVideo, type Preset, type Rendition } from '../plan/presets.js';
import { protocolWhitelist, type Rational } from '../probe/probe.js';
import { videoEncoderArgs, outputFormat, mp4VideoTagArgs } from './codecs.js';
import { colourFilters, rungColour, type ColourPlan } from './colour.js';
import { PIECE_FORMATS, SOURCE_FORMATS } from '../ffmpeg/whitelists.js';
import { BASE_GLOBAL, ffInput, type FfCommand, type FfInput, type FfMap, type FfOutput } from '../ffmpeg/command.js';
import { fragmentMuxerArgs, trackTimescale } from './cmaf.js';

/** Input options every source read gets: what it may open, and as what. */
const sourceInput = (url: string) => [
  '-protocol_whitelist',
  protocolWhitelist(url),
  '-format_whitelist',
  SOURCE_FORMATS,
];

const BASE = [...BASE_GLOBAL];

/**
 * Split by stream copy at the planned packets, into NUT files that keep the source's exact
 * time base and timestamps (-copyts; MP4/MKV pieces would round or shift them).
 */
export function buildSplitArgs(p: {
  input: string;
  videoStream: number;
  splitFrames: number[];
  pattern: string;
  packedSlots?: boolean;
}): string[] {
  const args = [
    ...BASE,
    ...sourceInput(p.input),
    '-copyts',
    '-i',
    p.input,
    '-map',
    `0:${p.videoStream}`,
    '-c',
    'copy',
    '-avoid_negative_ts',
    'disabled',
  ];
  // AVI packets of MPEG-4 Part 2 have no pts (NUT refuses them: "Negative pts not supported").
  // Each packet is one display slot, so pts = dts. Not +genpts with mpeg4_unpack_bframes: its
  // guessed pts put two B-frames after a cut at one time (frame 157 lost, 158 twice).
  if (p.packedSlots) args.push('-bsf:v', 'setts=pts=DTS');
  args.push('-f', 'segment', '-segment_format', 'nut');
  // Without a list the muxer would cut every 2 s (its default segment_time): one segment then
  // needs a cut point past the last packet.
  args.push('-segment_frames', p.splitFrames.length ? p.splitFrames.join(',') : String(2 ** 31 - 2));
  args.push('-reset_timestamps', '0', p.pattern);
  return args;
}

/** Video filter that undoes the source's display rotation (split pieces lose that metadata). */
export function rotationFilter(rotation: number): string[] {
  if (rotation === 90) return ['transpose=clock'];
  if (rotation === 180) return ['hflip', 'vflip'];
  if (rotation === 270) return ['transpose=cclock'];
  return [];
}

/** One output of a segment encode. */
export interface EncodeOutput {
  rendition: Rendition;
  file: string;
}

/**
 * Where a segment's pictures come from.
 *
 * - `piece`: a split piece (NUT, source timestamps), whose frames are numbered from its start:
 *   `skip` frames before the segment's, `totalFrames` in all. `slotTick`: the source tick of a
 *   piece split from packed-B-frame AVI (probe.ts packedSlots): the decoder misplaces the pts
 *   of packed B-frames, so frame n of the piece is put at the piece's first frame (a keyframe,
 *   whose pts is right) + n ticks, as in the source's own slots.
 * - `range`: the source itself (or the segment's own bytes, segmentInput.ts), seeked to the
 *   segment's first keyframe (rangeInput.ts), its frames kept by timestamp (`select`), stream
 *   `videoStream` of the source.
 */
export type SegmentSource =
  | { kind: 'piece'; file: string; skip: number; totalFrames: number; slotTick?: Rational }
  | { kind: 'range'; url: string; seek?: string; videoStream: number; select: string };

/** How each rendition of a segment is written: a NUT piece, or a CMAF fragment in the source's timescale. */
export type SegmentContainer = { nut: true } | { cmaf: Rational };

/**
 * The input of a range read: what ffmpeg may open and where it starts. With autorotate (a
 * rotated source) ffmpeg turns the picture and does not copy the source's display matrix to
 * the outputs; with -noautorotate (and a rotation filter) the matrix would be copied and the
 * picture turned twice by players. The MOV seek (-seek_timestamp 1: no start-time offset;
 * -noaccurate_seek: no frame dropped) lands on the keyframe rangeInput.rangeSeekSeconds aims at.
 */
export function rangeInput(p: { url: string; seek?: string; autorotate?: boolean }): FfInput {
  return ffInput(p.url, [
    ...sourceInput(p.url),
    ...(p.autorotate ? [] : ['-noautorotate']),
    ...(p.seek !== undefined ? ['-seek_timestamp', '1', '-noaccurate_seek', '-ss', p.seek] : []),
  ]);
}

/** The input of a split piece: only our own NUT, never rotated by ffmpeg (the filters do it). */
const pieceInput = (file: string): FfInput =>
  ffInput(file, ['-protocol_whitelist', 'file', '-format_whitelist', PIECE_FORMATS, '-noautorotate']);

/** The input and video stream of a segment's source, and the filters that keep its frames. */
function segmentSourceParts(
  src: SegmentSource,
  count: number,
  rotation: number,
): { input: FfInput; video: FfMap; keep: string[]; turn: string[] } {
  if (src.kind === 'range') {
    // A rotated source is turned by ffmpeg's autorotate (see rangeInput), not by a filter.
    const input = rangeInput({ url: src.url, seek: src.seek, autorotate: rotation !== 0 });
    return { input, video: { input, stream: String(src.videoStream) }, keep: [src.select], turn: [] };
  }
  const input = pieceInput(src.file);
  const slots = src.slotTick ? [`setpts=STARTPTS+round(N*${src.slotTick.num}/(${src.slotTick.den}*TB))`] : [];
  const trim =
    src.skip > 0 || count < src.totalFrames ? [`select=between(n\\,${src.skip}\\,${src.skip + count - 1})`] : [];
  return { input, video: { input, stream: 'v:0' }, keep: [...slots, ...trim], turn: rotationFilter(rotation) };
}

/**
 * Encodes one segment into every rendition in a single process (one decode).
 * Timing is passed through: no frame is duplicated or dropped and each keeps its source
 * timestamp in the source time base (-vsync passthrough, -enc_time_base -1, -copyts), so
 * variable frame rate survives. Keyframes are forced on a fixed grid of source time and at the
 * segment start, with scene-cut keyframes off, so every rendition has them at the same frames.
 * Each rendition gets its own codec settings and HDR handling (presets.ts rungVideo). A range
 * read stops every output after the segment's `count` frames, so ffmpeg stops reading soon
 * after its last packet. CMAF: each output a single-fragment fMP4 in the source's timescale
 * (HEVC as `hvc1`: parameter sets in the init, what Apple's players require).
 */
export function segmentEncodeCommand(p: {
  source: SegmentSource;
  preset: Preset;
  outputs: EncodeOutput[];
  count: number;
  rotation: number;
  threads?: number;
  /** What happens to an HDR source (colour.ts planColour); SDR when absent. */
  colour?: ColourPlan;
  container: SegmentContainer;
}): FfCommand {
  const colour = p.colour ?? { mode: 'sdr' };
  const { input, video, keep, turn } = segmentSourceParts(p.source, p.count, p.rotation);
  const outputs: FfOutput[] = p.outputs.map((o) => {
    const r = o.rendition;
    const v = rungVideo(p.preset, r);
    const { pixFmt } = outputFormat(v, colour);
    const vf = [
      ...keep,
      ...turn,
      ...colourFilters(rungColour(colour, v), { width: r.width, height: r.outHeight }, pixFmt, pixFmt),
    ].join(',');
    const muxer =
      'nut' in p.container
        ? ['-f', 'nut']
        : [
            ...mp4VideoTagArgs(v),
            ...fragmentMuxerArgs({ timescale: trackTimescale(p.container.cmaf).timescale, negativeCts: true }),
          ];
    return {
      maps: [video],
      options: [
        '-an',
        '-sn',
        '-dn',
        '-vf',
        vf,
        ...videoEncoderArgs(p.preset, r, colour),
        ...(p.threads ? ['-threads', String(p.threads)] : []),
        '-enc_time_base',
        '-1',
        ...(p.source.kind === 'range' ? ['-frames:v', String(p.count)] : []),
        ...muxer,
      ],
      url: o.file,
    };
  });
  return { global: [...BASE, '-copyts', '-vsync', 'passthrough'], inputs: [input], outputs };
}
