/**
 * ISO-BMFF (MP4) boxes on bytes in memory: locate, find along a path, make, join, and split
 * what ffmpeg wrote into an init segment and its media (split from isobmff.ts, which reads and
 * rewrites fragments with these). Pure functions; nothing here touches the file system.
 */
import { EncoderError } from '../../errors.js';

/** A box located in a buffer. `start` is the header's offset, `size` includes the header. */
export interface BoxRef {
  type: string;
  start: number;
  size: number;
  /** Offset of the payload (after the 8- or 16-byte header). */
  body: number;
}

/** Boxes whose payload is only child boxes (the ones we descend into). */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'moof', 'traf', 'edts', 'dinf', 'udta']);

/** Throws the encoder error for MP4 bytes that are not what ffmpeg should write. */
export const bad = (msg: string): never => {
  throw new EncoderError('ENCODER_FAILED', `malformed MP4 from the encoder: ${msg}`);
};

/** A private copy of bytes (Node's Buffer.slice() is a view, not a copy). */
export const copyBytes = (b: Uint8Array): Uint8Array => new Uint8Array(b);

/** A DataView over exactly these bytes (a Uint8Array may be a window on a larger buffer). */
export const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** The boxes directly inside [from, to) of `buf`. */
export function listBoxes(buf: Uint8Array, from = 0, to = buf.length): BoxRef[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: BoxRef[] = [];
  let off = from;
  while (off + 8 <= to) {
    let size = dv.getUint32(off);
    const type = String.fromCharCode(buf[off + 4], buf[off + 5], buf[off + 6], buf[off + 7]);
    let header = 8;
    if (size === 1) {
      size = Number(dv.getBigUint64(off + 8));
      header = 16;
    } else if (size === 0) size = to - off;
    if (size < header || off + size > to) bad(`box ${type} at ${off} has size ${size}`);
    out.push({ type, start: off, size, body: off + header });
    off += size;
  }
  return out;
}

/** The first box along a path of types (e.g. ['moof', 'traf', 'tfdt']), or undefined. */
export function findBox(buf: Uint8Array, path: string[], from = 0, to = buf.length): BoxRef | undefined {
  const [head, ...rest] = path;
  const b = listBoxes(buf, from, to).find((x) => x.type === head);
  if (!b || rest.length === 0) return b;
  if (!CONTAINERS.has(b.type)) return undefined;
  return findBox(buf, rest, b.body, b.start + b.size);
}

/** Every box along a path whose last type may repeat (e.g. every trak of a moov). */
export function findBoxes(buf: Uint8Array, path: string[], from = 0, to = buf.length): BoxRef[] {
  if (path.length === 1) return listBoxes(buf, from, to).filter((b) => b.type === path[0]);
  const parent = findBox(buf, path.slice(0, -1), from, to);
  return parent
    ? listBoxes(buf, parent.body, parent.start + parent.size).filter((b) => b.type === path[path.length - 1])
    : [];
}

/** The box along `path`, or the malformed-MP4 error. */
export const need = (buf: Uint8Array, path: string[], from?: number, to?: number): BoxRef =>
  findBox(buf, path, from, to) ?? bad(`no ${path.join('/')}`);

/** Bytes of one box. */
export const boxBytes = (buf: Uint8Array, b: BoxRef): Uint8Array => buf.subarray(b.start, b.start + b.size);

/** A box from a type and payload parts (32-bit size; our boxes are far below 4 GiB). */
export function makeBox(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(size);
  view(out).setUint32(0, size);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  let off = 8;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Splits a fragmented MP4 as ffmpeg writes it (ftyp, moov, then moof+mdat pairs, maybe an mfra
 * index at the end) into the init segment (ftyp+moov) and the media (every moof+mdat, plus the
 * styp if any). The mfra is dropped: it indexes byte offsets of this one file only.
 */
export function splitInit(file: Uint8Array): { init: Uint8Array; media: Uint8Array } {
  const top = listBoxes(file);
  const ftyp = top.find((b) => b.type === 'ftyp') ?? bad('no ftyp');
  const moov = top.find((b) => b.type === 'moov') ?? bad('no moov');
  const media = top.filter((b) => ['styp', 'moof', 'mdat'].includes(b.type));
  if (!media.some((b) => b.type === 'moof')) bad('no moof: the output is not fragmented');
  return {
    init: concatBytes([boxBytes(file, ftyp), boxBytes(file, moov)]),
    media: concatBytes(media.map((b) => boxBytes(file, b))),
  };
}

/** A big-endian 32-bit field. */
export const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  view(b).setUint32(0, n >>> 0);
  return b;
};
/** A big-endian unsigned 64-bit field. */
export const u64 = (n: number): Uint8Array => {
  const b = new Uint8Array(8);
  view(b).setBigUint64(0, BigInt(n));
  return b;
};
/** A big-endian signed 64-bit field. */
export const i64 = (n: number): Uint8Array => {
  const b = new Uint8Array(8);
  view(b).setBigInt64(0, BigInt(n));
  return b;
};
/** A full box: version and flags, then the payload parts. */
export const fullBox = (type: string, version: number, flags: number, ...parts: Uint8Array[]): Uint8Array =>
  makeBox(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...parts);
