/**
 * Reading CMAF fragments: the sample table (trun) of each moof with the tfhd/trex defaults
 * resolved, and the samples' decode and presentation times (split from isobmff.ts, which
 * rewrites fragments). Pure functions on bytes in memory.
 */
import { listBoxes, need } from './boxes.js';

/** One sample of a fragment's trun, with defaults from tfhd/trex resolved. */
export interface FragmentSample {
  duration: number;
  size: number;
  /** Composition offset (signed with trun version 1). */
  cts: number;
  /** A sync sample (keyframe). */
  sync: boolean;
}

/** What a single-track fragment (one moof+mdat) holds. */
export interface FragmentInfo {
  trackId: number;
  sequence: number;
  baseDecodeTime: number;
  trunVersion: number;
  samples: FragmentSample[];
}

/** Defaults a trex (init segment) gives to fragments of a track. */
export interface TrackDefaults {
  duration: number;
  size: number;
  flags: number;
}

/** The trex defaults of the (first) track of an init segment. */
export function trexDefaults(init: Uint8Array): TrackDefaults {
  const t = need(init, ['moov', 'mvex', 'trex']);
  const dv = new DataView(init.buffer, init.byteOffset, init.byteLength);
  return { duration: dv.getUint32(t.body + 12), size: dv.getUint32(t.body + 16), flags: dv.getUint32(t.body + 20) };
}

const isSync = (flags: number) => ((flags >>> 16) & 1) === 0 && ((flags >>> 24) & 3) !== 1;

/** Reads the moofs of `media` (one track each) and their samples. */
export function readFragments(
  media: Uint8Array,
  defaults: TrackDefaults = { duration: 0, size: 0, flags: 0 },
): FragmentInfo[] {
  const dv = new DataView(media.buffer, media.byteOffset, media.byteLength);
  return listBoxes(media)
    .filter((b) => b.type === 'moof')
    .map((moof) => {
      const end = moof.start + moof.size;
      const mfhd = need(media, ['mfhd'], moof.body, end);
      const traf = need(media, ['traf'], moof.body, end);
      const tend = traf.start + traf.size;
      const tfhd = need(media, ['tfhd'], traf.body, tend);
      const tfdt = need(media, ['tfdt'], traf.body, tend);
      const truns = listBoxes(media, traf.body, tend).filter((b) => b.type === 'trun');
      const hf = dv.getUint32(tfhd.body) & 0xffffff;
      let p = tfhd.body + 8;
      if (hf & 0x1) p += 8;
      if (hf & 0x2) p += 4;
      let dDur = defaults.duration;
      let dSize = defaults.size;
      let dFlags = defaults.flags;
      if (hf & 0x8) {
        dDur = dv.getUint32(p);
        p += 4;
      }
      if (hf & 0x10) {
        dSize = dv.getUint32(p);
        p += 4;
      }
      if (hf & 0x20) dFlags = dv.getUint32(p);
      const tv = media[tfdt.body];
      const base = tv === 1 ? Number(dv.getBigUint64(tfdt.body + 4)) : dv.getUint32(tfdt.body + 4);
      const samples: FragmentSample[] = [];
      let trunVersion = 0;
      for (const trun of truns) {
        trunVersion = media[trun.body];
        const f = dv.getUint32(trun.body) & 0xffffff;
        const n = dv.getUint32(trun.body + 4);
        let q = trun.body + 8;
        if (f & 0x1) q += 4;
        let firstFlags: number | undefined;
        if (f & 0x4) {
          firstFlags = dv.getUint32(q);
          q += 4;
        }
        for (let i = 0; i < n; i++) {
          const s: FragmentSample = { duration: dDur, size: dSize, cts: 0, sync: false };
          let flags = i === 0 && firstFlags !== undefined ? firstFlags : dFlags;
          if (f & 0x100) {
            s.duration = dv.getUint32(q);
            q += 4;
          }
          if (f & 0x200) {
            s.size = dv.getUint32(q);
            q += 4;
          }
          if (f & 0x400) {
            flags = dv.getUint32(q);
            q += 4;
          }
          if (f & 0x800) {
            s.cts = trunVersion === 1 ? dv.getInt32(q) : dv.getUint32(q);
            q += 4;
          }
          s.sync = isSync(flags);
          samples.push(s);
        }
      }
      return {
        trackId: dv.getUint32(tfhd.body + 4),
        sequence: dv.getUint32(mfhd.body + 4),
        baseDecodeTime: base,
        trunVersion,
        samples,
      };
    });
}

/** Times (in track ticks) of a fragment's samples: decode and presentation, decode order. */
export function sampleTimes(f: FragmentInfo): { dts: number[]; pts: number[]; end: number } {
  const dts: number[] = [];
  const pts: number[] = [];
  let t = f.baseDecodeTime;
  for (const s of f.samples) {
    dts.push(t);
    pts.push(t + s.cts);
    t += s.duration;
  }
  return { dts, pts, end: t };
}
