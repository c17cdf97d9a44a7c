/**
 * The one ffmpeg command of a segment worker, from the job document: every rendition of its
 * video (one decode), its stills (sprite tiles, maybe the poster: more outputs of that decode)
 * and its audio chunks (every audio track), composed from the media builders (command.ts) and
 * rendered once by the runner. Pure: the files it names are in `dir`.
 */
import path from 'node:path';
import type { JobDocument } from '../jobDocument.js';
import { segmentEncodeCommand, type EncodeOutput, type SegmentSource } from '../../media/encode/args.js';
import { audioChunkCommand, type AudioChunk, type AudioChunkOutput } from '../../media/encode/cmaf.js';
import { mergeCommands, type FfCommand } from '../../media/ffmpeg/command.js';
import { buildStillOutputs, STILL_TILE } from '../../media/stills/stills.js';
import { stillColourFilters } from '../../media/encode/colour.js';
import { qualityFrames, qualityReferenceOutputs } from '../../media/encode/quality.js';

/** Where segment `index` reads its frames: its own bytes (a file), the source by range (a URL), or its split piece. */
export type SegmentRead = { own: string } | { url: string } | { piece: string };

/** The command of segment `index` and the files it writes. */
export interface SegmentCommand {
  command: FfCommand;
  /** One fragment per rendition. */
  outputs: EncodeOutput[];
  /** The audio chunks this segment encodes, each with one fragment per audio track. */
  chunks: { chunk: JobDocument['audioChunks'][number]; tracks: (AudioChunkOutput & { id: string })[] }[];
  /** The few source frames the quality figure compares against (verify.ts): more outputs of the same decode. */
  qualityRef: { frames: number; file: string };
}

/** Builds segment `index`'s command (see the module comment); `url` is the presigned source, for audio read by range. */
export function buildSegmentCommand(p: {
  m: Pick<
    JobDocument,
    'preset' | 'renditions' | 'video' | 'colour' | 'plan' | 'segmentReads' | 'stills' | 'audioOutputs' | 'audioChunks'
  >;
  index: number;
  dir: string;
  read: SegmentRead;
  url: string;
  threads?: number;
}): SegmentCommand {
  const { m, index, dir } = p;
  const seg = m.plan.segments[index];
  const tb = m.plan.timeBase;
  const outputs = m.renditions.map((r) => ({ rendition: r, file: path.join(dir, `${r.name}.mp4`) }));
  const rangeRead = m.segmentReads?.[index];
  let source: SegmentSource;
  if ('piece' in p.read) {
    source = {
      kind: 'piece',
      file: p.read.piece,
      skip: seg.skip,
      totalFrames: seg.endPacket - seg.startPacket,
      ...(m.video.packedSlots ? { slotTick: tb } : {}),
    };
  } else {
    if (!rangeRead) throw new Error(`segment ${index}: a range read without its seek and frame selection`);
    // Its own bytes start at the segment's first sample: no seek.
    source = {
      kind: 'range',
      url: 'own' in p.read ? p.read.own : p.read.url,
      ...('url' in p.read ? { seek: rangeRead.seek } : {}),
      videoStream: m.video.index,
      select: rangeRead.select,
    };
  }
  let command = segmentEncodeCommand({
    source,
    preset: m.preset,
    outputs,
    count: seg.count,
    rotation: m.video.rotation,
    threads: p.threads,
    colour: m.colour,
    container: { cmaf: tb },
  });
  const input = command.inputs[0];
  const ranged = source.kind === 'range';
  const stills = m.stills?.[index] ?? { tiles: [] };
  const qualityRef = { frames: qualityFrames(seg), file: path.join(dir, 'quality-ref.nut') };
  command = {
    ...command,
    outputs: [
      ...command.outputs,
      ...buildStillOutputs({
        stills,
        video: { input, stream: ranged ? String(m.video.index) : 'v:0' },
        by: ranged ? { pts: true } : { n: true, skip: seg.skip },
        rotation: m.video.rotation,
        colour: stillColourFilters(m.video.colour, 'yuv420p'),
        tile: { ...STILL_TILE, pattern: path.join(dir, 'tile_%05d.jpg') },
        poster: path.join(dir, 'poster.png'),
      }),
      ...qualityReferenceOutputs({
        ...qualityRef,
        startPts: seg.startPts,
        video: { input, stream: ranged ? String(m.video.index) : 'v:0' },
        by: ranged ? { pts: true } : { n: true, skip: seg.skip },
        rotation: m.video.rotation,
        colour: m.colour?.mode === 'tonemap' ? stillColourFilters(m.video.colour, 'yuv420p') : [],
      }),
    ],
  };
  // The audio chunks of this segment (every audio track of each, with pre-roll: gapless joins)
  // are more outputs of the same process: one process per segment. With its own bytes, the
  // segment's container holds the audio too, read through the video's input.
  const tick = tb.num / tb.den;
  const chunks = (m.audioOutputs.length ? m.audioChunks.filter((c) => c.segment === index) : []).map((chunk) => ({
    chunk,
    tracks: m.audioOutputs.map((a) => ({ ...a, output: path.join(dir, `${a.id}-${chunk.index}.mp4`) })),
  }));
  for (const c of chunks) {
    const chunk: AudioChunk = c.chunk;
    const side = audioChunkCommand({
      input: 'own' in p.read ? input : p.url,
      planStartSec: m.plan.startPts * tick,
      chunk,
      preset: m.preset,
      tracks: c.tracks,
      ownBytes: 'own' in p.read,
    });
    command = mergeCommands(command, side);
  }
  return { command, outputs, chunks, qualityRef };
}
