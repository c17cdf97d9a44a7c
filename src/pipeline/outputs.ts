/** One published file, as the COMPLETE event, the job record and `GET /jobs/{id}` list it. */
export interface PublishedOutput {
  type: 'video' | 'poster' | 'sprite' | 'vtt';
  name: string;
  uri: string;
  sizeBytes: number;
  rendition?: string;
  durationMs?: number;
  width?: number;
  height?: number;
  frames?: number;
}
