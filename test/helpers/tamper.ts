/**
 * Tampered MP4s for the hostile tests: one field of one box changed in place (or a box header
 * widened where nothing after it moves), the way a red team or a broken writer makes them.
 */
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';

interface Box {
  type: string;
  start: number;
  size: number;
  header: number;
}

function children(b: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  for (let off = from; off + 8 <= to; ) {
    let size = b.readUInt32BE(off);
    let header = 8;
    if (size === 1) {
      size = Number(b.readBigUInt64BE(off + 8));
      header = 16;
    } else if (size === 0) size = to - off;
    out.push({ type: b.toString('latin1', off + 4, off + 8), start: off, size, header });
    if (size < 8) break;
    off += size;
  }
  return out;
}

const inside = (b: Buffer, box: Box, type: string) =>
  children(b, box.start + box.header, box.start + box.size).find((x) => x.type === type);

/** The first top-level box of a type. */
export const topBox = (b: Buffer, type: string): Box => children(b, 0, b.length).find((x) => x.type === type)!;

/** A box of the video track, by path under its trak (e.g. ['mdia','minf','stbl','ctts']). */
export function videoTrackBox(b: Buffer, path: string[]): Box {
  const moov = topBox(b, 'moov');
  const trak = children(b, moov.start + moov.header, moov.start + moov.size).find(
    (t) => t.type === 'trak' && b.subarray(t.start, t.start + t.size).includes('vide'),
  )!;
  let box: Box | undefined = trak;
  for (const p of path) box = box && inside(b, box, p);
  if (!box) throw new Error(`no ${path.join('/')} in the video track`);
  return box;
}

const ff = (args: string[]) =>
  runProcess(resolveBinaries(process.env).ffmpeg, ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args], {
    timeoutMs: 120_000,
  });

/** An ordinary camera-like MP4: 3 s H.264 with B-frames (so it has a ctts) and AAC. */
export async function bframeMp4(out: string, p: { faststart: boolean }): Promise<void> {
  await ff([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=sample_rate=48000',
    '-t',
    '3',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-bf',
    '2',
    '-g',
    '25',
    '-c:a',
    'aac',
    ...(p.faststart ? ['-movflags', '+faststart'] : []),
    out,
  ]);
}

/** Sets the composition offset of ctts entries (all of them, or only entry `only`). */
export function setCtts(b: Buffer, offset: number, only?: number): Buffer {
  const out = Buffer.from(b);
  const c = videoTrackBox(out, ['mdia', 'minf', 'stbl', 'ctts']);
  const n = out.readUInt32BE(c.start + 12);
  for (let i = 0; i < n; i++) if (only === undefined || only === i) out.writeUInt32BE(offset, c.start + 16 + 8 * i + 4);
  return out;
}

/** Sets the media time of the video track's first edit (elst). */
export function setEditMediaTime(b: Buffer, mediaTime: number): Buffer {
  const out = Buffer.from(b);
  const e = videoTrackBox(out, ['edts', 'elst']);
  if (out[e.start + 8] === 0) out.writeInt32BE(mediaTime, e.start + 16 + 4);
  else out.writeBigInt64BE(BigInt(mediaTime), e.start + 16 + 8);
  return out;
}

/** Overwrites the bytes of the video packets up to the second keyframe (the first GOP) with zeros. */
export async function zeroFirstGop(file: string, b: Buffer): Promise<Buffer> {
  const out = Buffer.from(b);
  const r = await runProcess(
    resolveBinaries(process.env).ffprobe,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pos,size,flags', '-of', 'csv=p=0', file],
    { timeoutMs: 60_000, captureStdout: true },
  );
  let keys = 0;
  for (const line of r.stdout.trim().split('\n')) {
    const [pos, size, flags] = line.split(',');
    if (flags.includes('K') && ++keys > 1) break;
    out.fill(0, Number(pos), Number(pos) + Number(size));
  }
  return out;
}

/**
 * The moov (written last: nothing after it moves) declaring `extra` bytes more than it has, in
 * the 32-bit form or the 64-bit one (size 1 and a largesize: the header grows by 8 bytes).
 */
export function moovSizePastEnd(b: Buffer, extra: number, form: 32 | 64): Buffer {
  const m = topBox(b, 'moov');
  if (m.start + m.size !== b.length) throw new Error('the moov is not the last box');
  if (form === 32) {
    const out = Buffer.from(b);
    out.writeUInt32BE(m.size + extra, m.start);
    return out;
  }
  const head = Buffer.alloc(16);
  head.writeUInt32BE(1, 0);
  head.write('moov', 4, 'latin1');
  head.writeBigUInt64BE(BigInt(m.size + 8 + extra), 8);
  return Buffer.concat([b.subarray(0, m.start), head, b.subarray(m.start + 8)]);
}
