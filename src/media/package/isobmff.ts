/**
 * The few ISO-BMFF (MP4) box operations the streaming outputs need, on bytes in memory: find
 * boxes, split what ffmpeg wrote into an init segment and a fragment, read a fragment's sample
 * table (trun), set its decode time (tfdt), sequence number (mfhd) and track id (tfhd), drop
 * samples from either end, and compose boxes. Parsing of sample descriptions and codec strings
 * is left to mp4box (src/media/initInfo.ts); everything here only rewrites fixed-size fields or
 * rebuilds a box from its children, so no media data is ever re-read or re-muxed.
 *
 * Pure functions; nothing here touches the file system.
 */
import { bad, boxBytes, concatBytes, copyBytes, listBoxes, makeBox, need, view } from './boxes.js';
import { readFragments, type TrackDefaults } from './fragments.js';

export {
  type BoxRef,
  boxBytes,
  concatBytes,
  copyBytes,
  findBox,
  findBoxes,
  listBoxes,
  makeBox,
  splitInit,
  view,
} from './boxes.js';
export {
  type FragmentInfo,
  type FragmentSample,
  type TrackDefaults,
  readFragments,
  sampleTimes,
  trexDefaults,
} from './fragments.js';

/**
 * Sets the fields that place a fragment in its track: the base media decode time (tfdt, written
 * as version 1 so any 64-bit time fits), the sequence number (mfhd) and the track id (tfhd).
 * Returns a new buffer; the mdat bytes are copied unchanged. A tfdt of version 0 is widened,
 * which grows moof by 4 bytes: trun data offsets are relative to moof (default-base-is-moof),
 * so they are moved by the same amount.
 */
export function placeFragment(
  media: Uint8Array,
  p: { baseDecodeTime: number; sequence?: number; trackId?: number },
): Uint8Array {
  const parts: Uint8Array[] = [];
  let seq = p.sequence;
  for (const b of listBoxes(media)) {
    if (b.type !== 'moof') {
      parts.push(boxBytes(media, b));
      continue;
    }
    parts.push(rewriteMoof(boxBytes(media, b), p.baseDecodeTime, seq, p.trackId));
    if (seq !== undefined) seq++;
  }
  return concatBytes(parts);
}

function rewriteMoof(
  moof: Uint8Array,
  baseDecodeTime: number,
  sequence: number | undefined,
  trackId: number | undefined,
): Uint8Array {
  const children = listBoxes(moof, 8);
  const out: Uint8Array[] = [];
  let grow = 0;
  for (const c of children) {
    const bytes = copyBytes(boxBytes(moof, c));
    const dv = view(bytes);
    if (c.type === 'mfhd' && sequence !== undefined) dv.setUint32(12, sequence);
    if (c.type === 'traf') {
      const parts: Uint8Array[] = [];
      for (const t of listBoxes(bytes, 8)) {
        const tb = copyBytes(boxBytes(bytes, t));
        const tdv = view(tb);
        if (t.type === 'tfhd' && trackId !== undefined) tdv.setUint32(12, trackId);
        if (t.type === 'tfdt') {
          const v1 = new Uint8Array(20);
          const vdv = view(v1);
          vdv.setUint32(0, 20);
          v1.set([0x74, 0x66, 0x64, 0x74], 4);
          vdv.setUint32(8, 0x01000000);
          vdv.setBigUint64(12, BigInt(baseDecodeTime));
          grow += 20 - tb.length;
          parts.push(v1);
          continue;
        }
        parts.push(tb);
      }
      out.push(makeBox('traf', ...parts));
      continue;
    }
    out.push(bytes);
  }
  const result = makeBox('moof', ...out);
  if (grow) shiftTrunOffsets(result, grow);
  return result;
}

/** Adds `delta` to every trun data_offset in a moof (its size changed before its mdat). */
function shiftTrunOffsets(moof: Uint8Array, delta: number): void {
  const dv = new DataView(moof.buffer, moof.byteOffset, moof.byteLength);
  for (const traf of listBoxes(moof, 8).filter((b) => b.type === 'traf')) {
    for (const trun of listBoxes(moof, traf.body, traf.start + traf.size).filter((b) => b.type === 'trun')) {
      if (dv.getUint32(trun.body) & 0x1) dv.setInt32(trun.body + 8, dv.getInt32(trun.body + 8) + delta);
    }
  }
}

/**
 * Keeps samples [from, from+count) of a single-track fragment (one moof, one trun, one mdat,
 * samples stored in order: what ffmpeg writes), dropping the others' entries and bytes. Used
 * for audio chunks: the pre-roll and look-ahead packets a chunk was encoded with are dropped
 * here, by bytes, so the kept packets are exactly what the encoder produced.
 */
export function keepSamples(media: Uint8Array, from: number, count: number, defaults?: TrackDefaults): Uint8Array {
  const boxes = listBoxes(media);
  const moofs = boxes.filter((b) => b.type === 'moof');
  const mdat = boxes.find((b) => b.type === 'mdat') ?? bad('no mdat');
  if (moofs.length !== 1) bad(`expected one moof, found ${moofs.length}`);
  const moof = boxBytes(media, moofs[0]);
  const info = readFragments(media, defaults)[0];
  if (from < 0 || from + count > info.samples.length)
    bad(`cannot keep samples ${from}..${from + count} of ${info.samples.length}`);
  const traf = need(moof, ['traf'], 8);
  const trunRefs = listBoxes(moof, traf.body, traf.start + traf.size).filter((b) => b.type === 'trun');
  if (trunRefs.length !== 1) bad(`expected one trun, found ${trunRefs.length}`);
  const trun = trunRefs[0];
  const dv = new DataView(moof.buffer, moof.byteOffset, moof.byteLength);
  const flags = dv.getUint32(trun.body) & 0xffffff;
  const version = moof[trun.body];
  const perSample = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
  let entries = trun.body + 8 + (flags & 0x1 ? 4 : 0);
  let firstFlags: Uint8Array | undefined;
  if (flags & 0x4) {
    // The first-sample flags mark the fragment's first sample as sync; kept as they are when
    // the first sample is kept, dropped otherwise (every AAC packet is a sync sample anyway).
    firstFlags = from === 0 ? moof.slice(entries, entries + 4) : undefined;
    entries += 4;
  }
  const newFlags = (flags & ~0x4) | (firstFlags ? 0x4 : 0);
  const header = new Uint8Array(8);
  const hdv = view(header);
  hdv.setUint32(0, (version << 24) | newFlags);
  hdv.setUint32(4, count);
  const offsetField = flags & 0x1 ? new Uint8Array(4) : new Uint8Array(0);
  const newTrun = makeBox(
    'trun',
    header,
    offsetField,
    firstFlags ?? new Uint8Array(0),
    moof.slice(entries + from * perSample, entries + (from + count) * perSample),
  );
  const trafParts = listBoxes(moof, traf.body, traf.start + traf.size).map((b) =>
    b.type === 'trun' ? newTrun : boxBytes(moof, b),
  );
  const mfhd = need(moof, ['mfhd'], 8);
  const newMoof = makeBox('moof', boxBytes(moof, mfhd), makeBox('traf', ...trafParts));
  // The data offset points at the first kept byte: from the moof's start (default-base-is-moof)
  // past the moof and the mdat header.
  if (flags & 0x1) {
    const t = need(newMoof, ['traf', 'trun'], 8);
    view(newMoof).setInt32(t.body + 8, newMoof.length + 8);
  }
  const skip = info.samples.slice(0, from).reduce((s, x) => s + x.size, 0);
  const keep = info.samples.slice(from, from + count).reduce((s, x) => s + x.size, 0);
  const payload = media.subarray(mdat.body + skip, mdat.body + skip + keep);
  return concatBytes([newMoof, makeBox('mdat', payload)]);
}

/**
 * Rewrites a fragment's composition offsets from signed (trun version 1, first frame at its
 * decode time) to unsigned (version 0) by adding `delta` to each: the presentation moves `delta`
 * ticks later, which an edit list of media time `delta` takes back. Same sizes, so only the trun
 * fields change. Progressive MP4 readers (ffmpeg and the players built on it) apply edit lists
 * exactly but add their own shift to negative offsets in fragments; MSE players are the other
 * way round, hence CMAF fragments keep version 1 and progressive files get this form.
 */
export function toUnsignedCts(media: Uint8Array, delta: number): Uint8Array {
  const out = copyBytes(media);
  const dv = view(out);
  for (const moof of listBoxes(out).filter((b) => b.type === 'moof')) {
    for (const traf of listBoxes(out, moof.body, moof.start + moof.size).filter((b) => b.type === 'traf')) {
      for (const trun of listBoxes(out, traf.body, traf.start + traf.size).filter((b) => b.type === 'trun')) {
        const flags = dv.getUint32(trun.body) & 0xffffff;
        if (!(flags & 0x800)) continue;
        const signed = out[trun.body] === 1;
        const n = dv.getUint32(trun.body + 4);
        const per = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
        const ctsAt = [0x100, 0x200, 0x400].filter((f) => flags & f).length * 4;
        let q = trun.body + 8 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
        for (let i = 0; i < n; i++, q += per) {
          const c = (signed ? dv.getInt32(q + ctsAt) : dv.getUint32(q + ctsAt)) + delta;
          if (c < 0) bad(`composition offset ${c - delta} below -${delta}`);
          dv.setUint32(q + ctsAt, c);
        }
        out[trun.body] = 0;
      }
    }
  }
  return out;
}

/**
 * Sets the duration of the last sample of a single-track, single-fragment piece. An encoder
 * with passthrough timing gives the last frame its own nominal duration, but on the job's
 * timeline it lasts until the next segment's first frame (a variable-frame-rate source may
 * have dropped frames right before a cut): without this the decode timeline would have a gap
 * or an overlap at every such join. When the trun has no per-sample durations (all equal to
 * the default), it is rebuilt with them, which grows the moof; its data offset follows.
 */
export function setLastSampleDuration(
  media: Uint8Array,
  duration: number,
  defaults: TrackDefaults = { duration: 0, size: 0, flags: 0 },
): Uint8Array {
  const info = readFragments(media, defaults);
  const boxes = listBoxes(media);
  const moofRef = boxes.find((b) => b.type === 'moof') ?? bad('no moof');
  if (info.length !== 1) bad(`expected one fragment, found ${info.length}`);
  const moof = copyBytes(boxBytes(media, moofRef));
  const dv = view(moof);
  const traf = need(moof, ['traf'], 8);
  const truns = listBoxes(moof, traf.body, traf.start + traf.size).filter((b) => b.type === 'trun');
  if (truns.length !== 1) bad(`expected one trun, found ${truns.length}`);
  const trun = truns[0];
  const flags = dv.getUint32(trun.body) & 0xffffff;
  const n = dv.getUint32(trun.body + 4);
  const per = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
  const first = trun.body + 8 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
  const rest = concatBytes(boxes.filter((b) => b !== moofRef).map((b) => boxBytes(media, b)));
  if (flags & 0x100) {
    dv.setUint32(first + (n - 1) * per, duration);
    return concatBytes([moof, rest]);
  }
  // Rebuild the trun with a duration field in front of each sample's other fields.
  const entries: Uint8Array[] = [];
  const samples = info[0].samples;
  for (let i = 0; i < n; i++) {
    const d = new Uint8Array(4);
    view(d).setUint32(0, i === n - 1 ? duration : samples[i].duration);
    entries.push(d, moof.subarray(first + i * per, first + (i + 1) * per));
  }
  const head = moof.slice(trun.body, first);
  view(head).setUint32(0, (moof[trun.body] << 24) | flags | 0x100);
  const newTrun = makeBox('trun', head, ...entries);
  const trafParts = listBoxes(moof, traf.body, traf.start + traf.size).map((b) =>
    b === trun || (b.type === 'trun' && b.start === trun.start) ? newTrun : boxBytes(moof, b),
  );
  const newMoof = makeBox(
    'moof',
    ...listBoxes(moof, 8).map((b) => (b.type === 'traf' ? makeBox('traf', ...trafParts) : boxBytes(moof, b))),
  );
  if (flags & 0x1) shiftTrunOffsets(newMoof, newMoof.length - moof.length);
  return concatBytes([newMoof, rest]);
}
