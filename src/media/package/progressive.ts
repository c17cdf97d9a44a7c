/**
 * The progressive MP4 from the streaming pieces (pure functions over bytes): its layout (the
 * composed init and the order of the fragments) from the pieces' facts, each fragment's moof
 * rewritten for its place, the grouping of fragments into multipart parts, and the whole file
 * joined in memory. Split from package.ts, which keeps making the pieces and reading their facts
 * into the manifests' model, so that each module stays under 300 lines; package.ts re-exports
 * these names.
 */
import { composeInit, readInit, withEditList } from './init.js';
import {
  concatBytes,
  copyBytes,
  listBoxes,
  makeBox,
  placeFragment,
  readFragments,
  sampleTimes,
  toUnsignedCts,
  trexDefaults,
  view,
  type FragmentInfo,
} from './isobmff.js';

/** The largest negative composition offset of a fragment (what toUnsignedCts must add). */
export const ctsDelayOf = (f: FragmentInfo) => Math.max(0, ...f.samples.map((x) => -x.cts));

/** One more track of a progressive MP4 besides the video: its init and its fragments in time order. */
export interface ExtraTrack {
  init: Uint8Array;
  fragments: Uint8Array[];
}

/** What the layout of a progressive MP4 needs of a track: its init and each fragment's decode time. */
export interface LaidTrack {
  init: Uint8Array;
  /** Each fragment's base decode time (tfdt), in the track's timescale, in order. */
  bases: number[];
}

/** One fragment's place in a progressive MP4: which track (0 = video), which fragment, its new header. */
export interface Placement {
  track: number;
  k: number;
  base: number;
  trackId: number;
  sequence: number;
}

/**
 * The layout of a progressive MP4 from its tracks' facts, without their bytes: the composed init
 * (video track 1, then every other track, moov first, the movie's duration up front) and the
 * order of the fragments: each video fragment followed by the other tracks' fragments that start
 * before the next video one, every moof renumbered 1..n.
 */
export function progressiveLayout(
  video: LaidTrack & { end: number; delay: number },
  others: LaidTrack[],
): { init: Uint8Array; order: Placement[] } {
  const vTimescale = readInit(video.init)[0].timescale;
  const videoInit = video.delay ? withEditList(video.init, video.delay) : video.init;
  const extra = others.filter((t) => t.bases.length);
  const init = withMovieDuration(
    extra.length ? composeInit(videoInit, ...extra.map((t) => t.init)) : videoInit,
    video.end,
    vTimescale,
  );
  const ts = extra.map((t) => readInit(t.init)[0].timescale);
  const next = extra.map(() => 0);
  const order: Placement[] = [];
  for (let i = 0; i < video.bases.length; i++) {
    order.push({ track: 0, k: i, base: video.bases[i], trackId: 1, sequence: order.length + 1 });
    const nextVideo = i + 1 < video.bases.length ? video.bases[i + 1] / vTimescale : Infinity;
    extra.forEach((t, j) => {
      while (next[j] < t.bases.length && t.bases[next[j]] / ts[j] < nextVideo) {
        order.push({
          track: others.indexOf(t) + 1,
          k: next[j],
          base: t.bases[next[j]],
          trackId: j + 2,
          sequence: order.length + 1,
        });
        next[j]++;
      }
    });
  }
  return { init, order };
}

/**
 * One fragment as it goes into a progressive MP4: only its moof (a few hundred bytes) rewritten
 * (track id, sequence number, decode time, and for video unsigned composition offsets), the mdat
 * passed on as a view of the input.
 */
export function placedParts(fragment: Uint8Array, p: Placement, delay: number): Uint8Array[] {
  return listBoxes(fragment).map((b) => {
    const bytes = fragment.subarray(b.start, b.start + b.size);
    if (b.type !== 'moof') return bytes;
    return placeFragment(p.track === 0 ? toUnsignedCts(bytes, delay) : bytes, {
      baseDecodeTime: p.base,
      sequence: p.sequence,
      trackId: p.trackId,
    });
  });
}

/**
 * A progressive MP4 of one rendition from the streaming pieces, by joining bytes, in memory: the
 * composed init (video track 1, then every audio track, then every text track, moov first) and
 * then, in time order, each video fragment followed by the other tracks' fragments that start
 * before the next video segment, each re-labelled with its track id and every moof renumbered
 * 1..n. Video composition offsets become unsigned with an edit list (isobmff.toUnsignedCts), the
 * form progressive MP4 readers time exactly. A player reads it as one fragmented MP4.
 * Only moof headers are rewritten; mdat bytes are copied as they are. The mvex gets an mehd with
 * the movie's duration so players show it before reading fragments. (The package step lays out
 * the same file from the pieces' facts, progressiveLayout, and joins it in parts, placedParts.)
 */
export function assembleProgressive(p: {
  videoInit: Uint8Array;
  videoFragments: Uint8Array[];
  tracks?: ExtraTrack[];
}): Uint8Array[] {
  const vInfo = p.videoFragments.map((f) => readFragments(f, trexDefaults(p.videoInit))[0]);
  const delay = Math.max(0, ...vInfo.map(ctsDelayOf));
  const others = (p.tracks ?? []).map((t) => ({
    init: t.init,
    bases: t.fragments.map((f) => readFragments(f, trexDefaults(t.init))[0].baseDecodeTime),
  }));
  const layout = progressiveLayout(
    {
      init: p.videoInit,
      bases: vInfo.map((f) => f.baseDecodeTime),
      end: sampleTimes(vInfo[vInfo.length - 1]).end,
      delay,
    },
    others,
  );
  const bytesOf = (x: Placement) => (x.track === 0 ? p.videoFragments[x.k] : p.tracks![x.track - 1].fragments[x.k]);
  return [layout.init, ...layout.order.flatMap((x) => placedParts(bytesOf(x), x, delay))];
}

/** Sets mvhd's duration and adds an mehd (fragment duration) so the duration is known up front. */
function withMovieDuration(init: Uint8Array, duration: number, timescale: number): Uint8Array {
  const top = listBoxes(init);
  return concatBytes(
    top.map((b) => {
      const bytes = init.subarray(b.start, b.start + b.size);
      if (b.type !== 'moov') return bytes;
      const children = listBoxes(bytes, 8).map((c) => {
        const cb = copyBytes(bytes.subarray(c.start, c.start + c.size));
        if (c.type === 'mvhd') {
          const dv = view(cb);
          const v = cb[8];
          const mvTimescale = dv.getUint32(v === 1 ? 28 : 20);
          const d = Math.round((duration * mvTimescale) / timescale);
          if (v === 1) dv.setBigUint64(32, BigInt(d));
          else dv.setUint32(24, d);
          return cb;
        }
        if (c.type === 'mvex') {
          const mehd = new Uint8Array(12);
          const mdv = view(mehd);
          mdv.setUint32(0, 0x01000000);
          const mvhd = listBoxes(bytes, 8).find((x) => x.type === 'mvhd')!;
          const mvTimescale = view(bytes).getUint32(mvhd.start + (bytes[mvhd.start + 8] === 1 ? 28 : 20));
          mdv.setBigUint64(4, BigInt(Math.round((duration * mvTimescale) / timescale)));
          return makeBox(
            'mvex',
            makeBox('mehd', mehd),
            ...listBoxes(cb, 8)
              .filter((x) => x.type !== 'mehd')
              .map((x) => cb.subarray(x.start, x.start + x.size)),
          );
        }
        return cb;
      });
      return makeBox('moov', ...children);
    }),
  );
}

/**
 * Groups consecutive fragments into multipart parts of at least `minPartBytes` each (S3's rule for
 * every part but the last), the first part also carrying `firstBytes` (the init). Returns
 * [from, to) fragment ranges, in order. Sizes are the fragments' sizes before their headers are
 * rewritten, which never shrinks them.
 */
export function partRanges(sizes: number[], firstBytes: number, minPartBytes: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let from = 0;
  let acc = firstBytes;
  for (let i = 0; i < sizes.length; i++) {
    acc += sizes[i];
    if (acc >= minPartBytes && i + 1 < sizes.length) {
      out.push({ from, to: i + 1 });
      from = i + 1;
      acc = 0;
    }
  }
  out.push({ from, to: sizes.length });
  return out;
}
