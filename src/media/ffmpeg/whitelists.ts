/**
 * Demuxers ffmpeg may use, per kind of input. A source may only be opened as a container that
 * holds its own media: playlists (hls, dash), concat lists, image sequences and anything else
 * that makes ffmpeg open other files or URLs named inside the input are refused before any
 * read beyond the probe buffer (ffmpeg's `-format_whitelist`).
 */
export const SOURCE_FORMATS = [
  'mov',
  'mp4',
  'm4a',
  '3gp',
  '3g2',
  'mj2',
  'matroska',
  'webm',
  'avi',
  'mpeg',
  'mpegts',
  'flv',
  'asf',
  'ogg',
  'mxf',
  'dv',
  'ivf',
].join(',');

/** Our own intermediates: split and encoded pieces. */
export const PIECE_FORMATS = 'nut';

/** The concat step: the list we write, the pieces it names, nothing else. */
export const CONCAT_FORMATS = 'concat,nut';

/** The audio intermediate (MP4 audio). */
export const AUDIO_FORMATS = 'mov,mp4,m4a,3gp,3g2,mj2';

/** ffmpeg's words when a format is refused by the whitelist or its own detection rules. */
export const FORMAT_REFUSED_RE = /Format not on whitelist|Not detecting m3u8\/hls/i;
