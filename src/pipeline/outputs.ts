/**
 * One published output, as the COMPLETE event, the job record and `GET /jobs/{id}` list it.
 * Manifests come first; a track's CMAF fragments are one entry (their folder), not one each.
 */
export interface PublishedOutput {
  /**
   * A format's files are typed by their format (src/formats: `hls`, `dash`, `video` for an MP4
   * download); `cmaf`: a track's CMAF pieces (a folder) or one CMAF track file; `subtitles`: a
   * text track's WebVTT sidecar (subs/); `vtt`: the sprite sheet's index.
   */
  type: 'hls' | 'dash' | 'video' | 'cmaf' | 'subtitles' | 'poster' | 'sprite' | 'vtt';
  /** Path under the job's output prefix (a folder, ending in `/`, for a track's `cmaf` pieces). */
  name: string;
  uri: string;
  /** Bytes (of every file, for a `cmaf` folder). */
  sizeBytes: number;
  rendition?: string;
  durationMs?: number;
  width?: number;
  height?: number;
  frames?: number;
  /** RFC 6381 codec string of the rendition. */
  codec?: string;
  /** Files in a `cmaf` folder (its init segment and fragments). */
  files?: number;
}

/** The source's tracks as the COMPLETE event reports them: kept in every output, or left out and why. */
export interface TracksReport {
  audio: { id: string; sourceIndex: number; language?: string; title?: string; channels: number; default: boolean }[];
  subtitles: {
    id: string;
    sourceIndex: number;
    codec: string;
    format: 'webvtt';
    language?: string;
    title?: string;
    cues: number;
    default: boolean;
    forced: boolean;
  }[];
  skipped: { sourceIndex: number; type: 'audio' | 'subtitle'; codec: string; language?: string; reason: string }[];
}
