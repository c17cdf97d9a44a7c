/**
 * Probe from the container's index: for MP4/MOV the video packet index comes from the moov's
 * sample tables, read by HTTP range requests on the presigned URL (about the moov's bytes),
 * instead of ffprobe reading every packet of the file. Everything else, and every MP4/MOV whose
 * index this code cannot reproduce exactly (see mp4index.ts), keeps the packet probe.
 */
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { buildStreamProbeArgs, type PacketIndex, type ProbeInput } from './probe.js';
import { indexFromMoov, type IndexedPackets } from './mp4index.js';

/** Packets of the video stream ffprobe shows with the stream probe (a check of the index). */
export const HEAD_PACKETS = 32;

/**
 * The stream probe (buildStreamProbeArgs) that also shows the first packets of every stream:
 * one ffprobe start, the same bytes read as the stream probe alone (its stream analysis reads
 * further than these packets anyway). The JSON gains a `packets` array.
 */
export function buildStreamProbeWithHeadArgs(input: ProbeInput, packets = HEAD_PACKETS): string[] {
  const args = buildStreamProbeArgs(input);
  // Streams can interleave: read enough packets of all streams to see `packets` of the video.
  return [
    ...args.slice(0, -1),
    '-show_entries',
    'packet=stream_index,pts,dts,duration,flags',
    '-read_intervals',
    `%+#${packets * 4}`,
    args[args.length - 1],
  ];
}

const HeadSchema = z.object({
  packets: z
    .array(
      z.object({
        stream_index: z.number(),
        pts: z.number().optional(),
        dts: z.number().optional(),
        duration: z.number().optional(),
        flags: z.string().optional(),
      }),
    )
    .default([]),
});

/**
 * The first packets of one stream from buildStreamProbeWithHeadArgs's JSON, as parsePacketCsv
 * would read them (missing duration = 0; packets without any timestamp skipped).
 */
export function parseHeadPackets(json: string, streamIndex: number, max = HEAD_PACKETS): PacketIndex {
  const data = HeadSchema.parse(JSON.parse(json));
  const idx: PacketIndex = { pts: [], dts: [], duration: [], keyframes: [], discard: [] };
  for (const p of data.packets) {
    if (p.stream_index !== streamIndex || idx.pts.length >= max) continue;
    if (p.pts === undefined && p.dts === undefined) continue;
    if (p.flags?.includes('K')) idx.keyframes.push(idx.pts.length);
    if (p.flags?.includes('D')) idx.discard!.push(idx.pts.length);
    idx.pts.push(p.pts ?? p.dts!);
    idx.dts.push(p.dts ?? p.pts!);
    idx.duration.push(p.duration && p.duration > 0 ? p.duration : 0);
  }
  return idx;
}

/** Random access to the source's bytes. */
export interface RangeSource {
  /** Total size in bytes (from HeadObject). */
  size: number;
  /** Bytes [start, end) of the source. */
  read(start: number, end: number): Promise<Uint8Array>;
}

/**
 * A RangeSource over an http(s) URL (the presigned GET): one `Range` request per read, and a
 * count of the bytes received, which is what the probe costs.
 */
export function httpRangeSource(url: string, size: number): RangeSource & { bytesRead: number; requests: number } {
  const src = {
    size,
    bytesRead: 0,
    requests: 0,
    async read(start: number, end: number): Promise<Uint8Array> {
      src.requests++;
      const res = await fetch(url, { headers: { range: `bytes=${start}-${end - 1}` } });
      if (res.status !== 206 && res.status !== 200)
        throw new Error(`range read ${start}-${end - 1}: HTTP ${res.status}`);
      const body = new Uint8Array(await res.arrayBuffer());
      src.bytesRead += body.length;
      // A server that ignores Range sends the whole object: take the part asked for.
      return res.status === 200 ? body.subarray(start, end) : body;
    },
  };
  return src;
}

/** The moov box's place and bytes, or why there is none to use. */
export type MoovLocation = { ok: true; offset: number; bytes: Uint8Array } | { ok: false; reason: string };

/** Largest moov read (a 6-hour source at 60 fps has about 25 MB of sample tables). */
export const MAX_MOOV_BYTES = 256 * 1024 * 1024;
const BLOCK = 32 * 1024;

/**
 * Finds the moov by walking the top-level box headers (ftyp, free, mdat, moov, ...), at the
 * start (faststart) or after the mdat, reading blocks of 32 KiB around the headers and then the
 * moov itself: a few requests and about the moov's bytes.
 */
export async function locateMoov(src: RangeSource): Promise<MoovLocation> {
  let block: { start: number; data: Uint8Array } = { start: 0, data: new Uint8Array(0) };
  const get = async (off: number, len: number): Promise<Uint8Array | undefined> => {
    if (off + len > src.size) return undefined;
    if (off < block.start || off + len > block.start + block.data.length) {
      block = { start: off, data: await src.read(off, Math.min(src.size, off + Math.max(len, BLOCK))) };
      if (block.data.length < len) return undefined;
    }
    return block.data.subarray(off - block.start, off - block.start + len);
  };
  let off = 0;
  for (let boxes = 0; off + 8 <= src.size && boxes < 1000; boxes++) {
    const h = await get(off, 8);
    if (!h) break;
    const view = new DataView(h.buffer, h.byteOffset, 8);
    let size = view.getUint32(0);
    const type = String.fromCharCode(h[4], h[5], h[6], h[7]);
    let header = 8;
    if (size === 1) {
      const h16 = await get(off, 16);
      if (!h16) break;
      size = Number(new DataView(h16.buffer, h16.byteOffset, 16).getBigUint64(8));
      header = 16;
    } else if (size === 0) size = src.size - off;
    if (size < header) return { ok: false, reason: `box '${type}' at ${off} has an invalid size ${size}` };
    if (type === 'moov') {
      if (size > MAX_MOOV_BYTES) return { ok: false, reason: `the moov is ${size} bytes` };
      if (off + size > src.size) await moovPastEnd(src, get, { off, size, header });
      const bytes = (await get(off, size))?.slice();
      if (!bytes) return { ok: false, reason: 'the moov could not be read' };
      // A moov at the start says nothing about the data after it: a box that runs past the end
      // of the file (the mdat of an upload cut short) means truncated, whichever track it hits.
      for (let next = off + size, boxes2 = 0; next + 8 <= src.size && boxes2 < 1000; boxes2++) {
        const nh = await get(next, 8);
        if (!nh) break;
        let nsize = new DataView(nh.buffer, nh.byteOffset, 8).getUint32(0);
        if (nsize === 1) {
          const n16 = await get(next, 16);
          if (!n16) break;
          nsize = Number(new DataView(n16.buffer, n16.byteOffset, 16).getBigUint64(8));
        } else if (nsize === 0) break;
        if (nsize < 8) return { ok: false, reason: `box at ${next} has an invalid size ${nsize}` };
        if (next + nsize > src.size)
          return {
            ok: false,
            reason: `truncated: a box at ${next} runs ${next + nsize - src.size} bytes past the end of the file`,
          };
        next += nsize;
      }
      return { ok: true, offset: off, bytes };
    }
    if (type === 'moof') return { ok: false, reason: 'fragmented MP4 (a moof before any moov)' };
    off += size;
  }
  return { ok: false, reason: 'no moov box at the top level' };
}

/** Demuxer names (ffprobe format_name) whose index this module reads. */
export function isMp4Family(formatName: string): boolean {
  return formatName.split(',').some((f) => ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2'].includes(f));
}

/**
 * A moov whose size (32-bit, or the 64-bit largesize: one rule for both) runs past the end of
 * the file. Its child boxes are walked in the bytes that exist: if one of them runs past the end,
 * bytes are missing (INPUT_TRUNCATED, naming the box); if they end exactly at the end of the
 * file, nothing is missing and the moov's size field lies (INPUT_INCONSISTENT). Either way the
 * index cannot be trusted, so the file is refused here rather than read by a demuxer that
 * guesses.
 */
async function moovPastEnd(
  src: RangeSource,
  get: (off: number, len: number) => Promise<Uint8Array | undefined>,
  m: { off: number; size: number; header: number },
): Promise<never> {
  const form = m.header === 16 ? '64-bit size' : '32-bit size';
  let at = m.off + m.header;
  for (let n = 0; at + 8 <= src.size && n < 100_000; n++) {
    const h = await get(at, 8);
    if (!h) break;
    const dv = new DataView(h.buffer, h.byteOffset, 8);
    let size = dv.getUint32(0);
    const type = String.fromCharCode(h[4], h[5], h[6], h[7]);
    if (size === 1) {
      const h16 = await get(at, 16);
      size = h16 ? Number(new DataView(h16.buffer, h16.byteOffset, 16).getBigUint64(8)) : Infinity;
    } else if (size === 0) size = src.size - at;
    if (size < 8) break;
    if (at + size > src.size) {
      throw new InputError(
        'INPUT_TRUNCATED',
        `the file is truncated: the moov box at ${m.off} (${form} ${m.size}) is cut short: its '${type}' box at ${at} runs ${at + size - src.size} bytes past the end of the file`,
      );
    }
    at += size;
  }
  if (at === src.size) {
    throw new InputError(
      'INPUT_INCONSISTENT',
      `the moov box at ${m.off} declares ${m.size} bytes (${form}), ${m.off + m.size - src.size} past the end of the file, but the boxes inside it end exactly at the end: its size field is wrong`,
    );
  }
  throw new InputError(
    'INPUT_TRUNCATED',
    `the file is truncated: the moov box at ${m.off} (${form} ${m.size}) runs ${m.off + m.size - src.size} bytes past the end of the file and its last box is cut short`,
  );
}

/** The index probe's outcome: the packet index with byte ranges, or why the packet probe runs. */
export type IndexProbeResult =
  | { ok: true; packets: IndexedPackets; moov: { offset: number; size: number } }
  | { ok: false; reason: string };

/**
 * Builds the video packet index from the moov. `streamJson` is the output of
 * buildStreamProbeWithHeadArgs on the same source.
 */
export async function probeIndex(
  src: RangeSource,
  p: { formatName: string; streamIndex: number; streamJson: string },
): Promise<IndexProbeResult> {
  if (!isMp4Family(p.formatName)) return { ok: false, reason: `${p.formatName} has no sample tables to read` };
  const moov = await locateMoov(src);
  if (!moov.ok) return moov;
  const head = parseHeadPackets(p.streamJson, p.streamIndex);
  const r = indexFromMoov(moov.bytes, { streamIndex: p.streamIndex, head, fileSize: src.size });
  if (!r.ok) return r;
  return { ok: true, packets: r.packets, moov: { offset: moov.offset, size: moov.bytes.length } };
}
