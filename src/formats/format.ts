/**
 * What an output format is (the contract of src/formats/registry.ts): a module declaring its
 * folder in the package, which shared pieces it references, how its files are listed, its group
 * in the COMPLETE event, and what it builds at Assemble from the pieces' facts: entry points
 * (manifests, committed last by Publish) and files joined from the pieces (parallel multipart
 * parts, src/formats/join.ts). The model is shaka-packager's: one muxer-listener per output kind
 * fed the same segment facts, each writing its own manifests.
 */
import type { S3Location } from '../aws/s3.js';
import type { PackageModel } from '../media/package/manifests.js';
import type { PieceFacts } from '../media/package/package.js';
import type { PublishedOutput } from '../pipeline/outputs.js';
import type { JoinPlan } from './join.js';

/** A track's pieces: its init (bytes) and each fragment's facts and place, in timeline order. */
export interface TrackPieces {
  id: string;
  init: Uint8Array;
  facts: PieceFacts[];
  /** Where fragment k is (output bucket when the pieces are published, else work). */
  at: (k: number) => S3Location;
}

/** A text track as a one-fragment mov_text track (the progressive MP4 carries it). */
export interface MovTextTrack {
  init: Uint8Array;
  baseDecodeTime: number;
  fragment: S3Location;
  bytes: number;
}

/** What Assemble hands every format: the package's model and its tracks' pieces. */
export interface AssembleContext {
  jobId: string;
  /** The manifests' model (video renditions, audio tracks, text tracks). */
  model: PackageModel;
  /** Video renditions, in ladder order (model.video[i] is video[i]). */
  video: TrackPieces[];
  /** Audio tracks, the default first (model.audio[i] is audio[i]). */
  audio: TrackPieces[];
  /** Text tracks as mov_text, for formats that mux them. */
  movText: () => Promise<MovTextTrack[]>;
  /** The job's target segment length (s): the HLS peak bandwidth's window. */
  targetSegmentSec: number;
}

/** One entry point of a format: written to the work bucket by Assemble, published last by Publish. */
export interface ManifestFile {
  /** Path under the package (in the format's folder). */
  name: string;
  body: string;
  contentType: string;
}

/** What a format builds at Assemble. */
export interface FormatBuild {
  manifests: ManifestFile[];
  /** Files joined from the pieces (one multipart upload each, in place). */
  joins: JoinPlan[];
}

/** The COMPLETE event's output group of a format (MediaConvert's outputGroupDetails). */
export interface EventGroup {
  type: 'HLS_GROUP' | 'DASH_ISO_GROUP' | 'FILE_GROUP';
  /** Its entry point (master playlist, MPD), when it has one. */
  entry?: string;
  /** The file (or folder) one rendition is played from in this group. */
  renditionFile: (rendition: string) => string;
}

/** An output format: data and pure functions; Assemble, Publish and the events loop over these. */
export interface OutputFormatModule<N extends string = string> {
  name: N;
  /** One line for docs and the API's description. */
  description: string;
  /** Its folder in the package: every file it owns is under it. */
  dir: string;
  /**
   * The shared folders its manifests reference, published with it: `cmaf` (the tracks' CMAF
   * pieces, cmaf/) and `subs` (the text tracks' WebVTT sidecars, subs/).
   */
  references: readonly ('cmaf' | 'subs')[];
  /** The listed type of one of its files (in the COMPLETE event, the job record). */
  typeOf: (name: string) => PublishedOutput['type'];
  /** Its manifests' HTTP content types by file extension (for Publish). */
  contentTypes: Record<string, string>;
  group: EventGroup;
  assemble: (ctx: AssembleContext) => Promise<FormatBuild> | FormatBuild;
}

/** Declares a format (keeps its name's literal type for the OUTPUT_FORMATS enum). */
export const defineFormat = <N extends string>(f: OutputFormatModule<N>): OutputFormatModule<N> => f;
