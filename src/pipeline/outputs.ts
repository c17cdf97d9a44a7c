/**
 * One published output, as the COMPLETE event, the job record and `GET /jobs/{id}` list it.
 * Manifests come first; a track's CMAF fragments are one entry (their folder), not one each.
 */
export interface PublishedOutput {
  type: 'hls' | 'dash' | 'video' | 'cmaf' | 'poster' | 'sprite' | 'vtt';
  /** Path under the job's output prefix (a folder, ending in `/`, for `cmaf`). */
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
