/**
 * HLS over one file per track (fMP4, HLS v7): each rendition's and audio track's init and
 * fragments joined into one CMAF track file (`hls-byterange/<id>.mp4`, by the same parallel
 * multipart join as the MP4 downloads, no header rewritten: the fragments are already placed
 * on the track's timeline), and playlists that address the init by EXT-X-MAP BYTERANGE and each
 * segment by EXT-X-BYTERANGE. For origins and CDNs that prefer a few large objects to one per
 * segment. Subtitles are the shared WebVTT sidecars (subs/).
 */
import {
  hlsMasterPlaylist,
  hlsSubtitlePlaylist,
  presentationSec,
  targetDuration,
  visibleDurations,
  type TrackModel,
} from '../media/package/manifests.js';
import { packageLayout } from '../pipeline/layout.js';
import { defineFormat, type TrackPieces } from './format.js';
import type { JoinPlan } from './join.js';

const NAME = 'hls-byterange';
const DIR = packageLayout.formatDir(NAME);
const M3U8 = 'application/vnd.apple.mpegurl';
/** A track's file, relative to the playlists (both in the format's folder). */
const trackFile = (id: string) => `${id}.mp4`;

/** A media playlist addressing one track file by byte ranges: the init, then each fragment in order. */
function mediaPlaylist(t: TrackModel, pieces: TrackPieces, target: number): string {
  const d = visibleDurations(t);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  lines.push(`#EXT-X-MAP:URI="${trackFile(t.id)}",BYTERANGE="${pieces.init.length}@0"`);
  let offset = pieces.init.length;
  pieces.facts.forEach((f, i) => {
    lines.push(`#EXTINF:${d[i].toFixed(6)},`, `#EXT-X-BYTERANGE:${f.bytes}@${offset}`, trackFile(t.id));
    offset += f.bytes;
  });
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

export const hlsByterange = defineFormat({
  name: NAME,
  description:
    'HLS (fMP4) with byte ranges: one file per rendition and audio track, playlists addressing its init and fragments',
  dir: DIR,
  references: ['subs'],
  typeOf: (name) => (name.endsWith('.m3u8') ? 'hls' : 'cmaf'),
  contentTypes: { m3u8: M3U8 },
  group: { type: 'HLS_GROUP', entry: `${DIR}master.m3u8`, renditionFile: (r) => `${DIR}${r}.m3u8` },
  assemble: (ctx) => {
    const tracks = [
      ...ctx.model.video.map((t, i) => ({ t, p: ctx.video[i], video: true })),
      ...ctx.model.audio.map((t, i) => ({ t, p: ctx.audio[i], video: false })),
    ];
    const target = targetDuration(tracks.map((x) => x.t));
    const duration = presentationSec(ctx.model);
    const manifests = [
      { name: `${DIR}master.m3u8`, body: hlsMasterPlaylist(ctx.model), contentType: M3U8 },
      ...tracks.map(({ t, p }) => ({
        name: `${DIR}${t.id}.m3u8`,
        body: mediaPlaylist(t, p, target),
        contentType: M3U8,
      })),
      ...(ctx.model.text ?? []).map((t) => ({
        name: `${DIR}${t.id}.m3u8`,
        body: hlsSubtitlePlaylist(t, duration),
        contentType: M3U8,
      })),
    ];
    const joins = tracks.map(
      ({ p, video }): JoinPlan => ({
        format: NAME,
        id: p.id,
        ...(video ? { rendition: p.id } : {}),
        file: `${DIR}${trackFile(p.id)}`,
        contentType: video ? 'video/mp4' : 'audio/mp4',
        head: p.init,
        fragments: p.facts.map((f, k) => ({ at: p.at(k), bytes: f.bytes })),
      }),
    );
    return { manifests, joins };
  },
});
