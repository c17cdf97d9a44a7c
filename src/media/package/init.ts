/**
 * Init segments: what they declare (read with mp4box: codec strings per RFC 6381 for avc1,
 * hvc1/hev1, av01, mp4a and the rest, sizes, timescales, language), an edit list for audio
 * priming, and one init with a video and an audio track composed from two single-track inits
 * (for progressive MP4 assembled from fragments).
 */
import { createFile, MP4BoxBuffer, type Movie } from 'mp4box';
import { EncoderError } from '../../errors.js';
import { boxBytes, concatBytes, copyBytes, view, findBox, findBoxes, fullBox, listBoxes, makeBox } from './boxes.js';

/** One track of an init segment, as a manifest declares it. */
export interface InitTrack {
  id: number;
  kind: 'video' | 'audio' | 'other';
  /** RFC 6381 codec string from the sample description (e.g. avc1.64001f, hvc1.1.6.L93.B0, av01.0.05M.08, mp4a.40.2). */
  codec: string;
  timescale: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  /** ISO 639-2/T from mdhd, undefined when 'und'. */
  language?: string;
}

/** Reads the tracks an init segment declares. */
export function readInit(init: Uint8Array): InitTrack[] {
  const file = createFile();
  let movie: Movie | undefined;
  let error: string | undefined;
  file.onReady = (m) => (movie = m);
  file.onError = (_m, e) => (error = e);
  const copy = copyBytes(init).buffer as ArrayBuffer;
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy, 0));
  file.flush();
  if (!movie) throw new EncoderError('ENCODER_FAILED', `init segment not readable${error ? `: ${error}` : ''}`);
  return movie.tracks.map((t) => ({
    id: t.id,
    kind: t.video ? 'video' : t.audio ? 'audio' : 'other',
    codec: t.codec,
    timescale: t.timescale,
    width: t.video?.width,
    height: t.video?.height,
    sampleRate: t.audio?.sample_rate,
    channels: t.audio?.channel_count,
    language: t.language && t.language !== 'und' ? t.language : undefined,
  }));
}

/**
 * Adds an edit list to the (only) track of an init segment: presentation starts at media time
 * `mediaTime` (track ticks). For AAC that is the encoder's priming: the first packet only
 * carries the overlap the first real frame needs, and is not presented. Readers that honour
 * edit lists in fragmented files (ffmpeg, Safari, Chromium's MSE for a single offset edit) start
 * the audio exactly with the video; others play it `mediaTime` late (one AAC frame, 21 ms).
 */
export function withEditList(init: Uint8Array, mediaTime: number): Uint8Array {
  const payload = new Uint8Array(4 + 12);
  const dv = view(payload);
  dv.setUint32(0, 1); // entry count
  dv.setUint32(4, 0); // segment_duration 0: the whole (fragmented) media
  dv.setInt32(8, mediaTime);
  dv.setUint32(12, 0x00010000); // media rate 1.0
  const edts = makeBox('edts', fullBox('elst', 0, 0, payload));
  return rebuild(init, ['moov', 'trak'], (trak) =>
    makeBox(
      'trak',
      ...listBoxes(trak, 8)
        .filter((b) => b.type !== 'edts')
        .flatMap((b) => (b.type === 'tkhd' ? [boxBytes(trak, b), edts] : [boxBytes(trak, b)])),
    ),
  );
}

/** Rewrites the box at `path` (the first trak of the moov, ...) with `fn`, rebuilding its parents. */
function rebuild(
  buf: Uint8Array,
  path: string[],
  fn: (box: Uint8Array) => Uint8Array,
  from = 0,
  to = buf.length,
): Uint8Array {
  const parts = listBoxes(buf, from, to).map((b) => {
    if (b.type !== path[0]) return boxBytes(buf, b);
    if (path.length === 1) return fn(boxBytes(buf, b));
    const inner = rebuild(buf, path.slice(1), fn, b.body, b.start + b.size);
    return makeBox(b.type, inner);
  });
  return concatBytes(parts);
}

function setTrackId(trak: Uint8Array, id: number): Uint8Array {
  const t = copyBytes(trak);
  const tkhd = findBox(t, ['tkhd'], 8)!;
  const v = t[tkhd.body];
  // tkhd: version/flags, creation, modification (4 or 8 bytes each), then track_ID.
  view(t).setUint32(tkhd.body + 4 + (v === 1 ? 16 : 8), id);
  return t;
}

/**
 * One init segment holding every track of the single-track inits the encoders wrote, in order
 * (the video first: track 1, then 2, 3, ...): the first init's ftyp and mvhd (next_track_ID set
 * past the last), every trak and every trex. Fragments of track k must carry track id k
 * (isobmff.placeFragment's trackId).
 */
export function composeInit(...inits: Uint8Array[]): Uint8Array {
  const [first] = inits;
  const ftyp = findBox(first, ['ftyp']);
  const mvhd = copyBytes(boxBytes(first, findBox(first, ['moov', 'mvhd'])!));
  // next_track_ID is the last field of mvhd.
  view(mvhd).setUint32(mvhd.length - 4, inits.length + 1);
  const traks = inits.map((init, i) => {
    const t = findBoxes(init, ['moov', 'trak']);
    if (t.length !== 1)
      throw new EncoderError('ENCODER_FAILED', `composeInit: init ${i} has ${t.length} tracks, expected one`);
    return setTrackId(boxBytes(init, t[0]), i + 1);
  });
  const trex = (buf: Uint8Array, id: number) => {
    const t = copyBytes(boxBytes(buf, findBox(buf, ['moov', 'mvex', 'trex'])!));
    view(t).setUint32(12, id);
    return t;
  };
  const moov = makeBox('moov', mvhd, ...traks, makeBox('mvex', ...inits.map((init, i) => trex(init, i + 1))));
  return concatBytes([...(ftyp ? [boxBytes(first, ftyp)] : []), moov]);
}
