/**
 * The one layout of a job's data in S3: every key of the work bucket (`keys`), every file of
 * the published package relative to the job's output prefix (`packageLayout`), and the prefixes
 * the deploy wiring grants access to (`iamPrefixes`). Keys derive from the job id only (never
 * from a user's object key). Manifests name the package's files by relative URL (`fromManifest`),
 * so a package can be moved or served from any origin as one folder.
 */

/** Zero-padded index of a file in a sequence (sorts as a LIST returns it). */
const pad = (n: number, width = 5) => String(n).padStart(width, '0');

/** Root of every job's work data (work bucket). */
const WORK_ROOT = 'jobs/';
/** The Distributed Map's ResultWriter prefix (work bucket); the ASL names it literally today. */
const MAP_RESULTS = 'map-results';

/**
 * Every key the pipeline uses in the work bucket, and the output bucket's key of a published
 * file (`output`).
 */
export const keys = {
  /** The job's work prefix: deleted by Cleanup. */
  prefix: (jobId: string) => `${WORK_ROOT}${jobId}/`,
  probe: (jobId: string) => `${WORK_ROOT}${jobId}/probe.json`,
  jobDocument: (jobId: string) => `${WORK_ROOT}${jobId}/job.json`,
  split: (jobId: string, file: number) => `${WORK_ROOT}${jobId}/split/${pad(file)}.nut`,
  segmentResult: (jobId: string, seg: number) => `${WORK_ROOT}${jobId}/segments/${pad(seg)}.json`,
  segmentResultsPrefix: (jobId: string) => `${WORK_ROOT}${jobId}/segments/`,
  /** A segment whose function timed out after its retries (the job goes to ECS). */
  segmentFallback: (jobId: string, seg: number) => `${WORK_ROOT}${jobId}/fallback/${pad(seg)}.json`,
  segmentFallbacksPrefix: (jobId: string) => `${WORK_ROOT}${jobId}/fallback/`,
  renditions: (jobId: string) => `${WORK_ROOT}${jobId}/renditions.json`,
  /** The subtitle tracks' results (subtitles step), and each one's mov_text track for the MP4s. */
  subtitles: (jobId: string) => `${WORK_ROOT}${jobId}/subtitles.json`,
  movText: (jobId: string, id: string, name: 'init.mp4' | 'seg.m4s') => `${WORK_ROOT}${jobId}/text/${id}/${name}`,
  /** Tile k of the sprite sheet (a segment worker writes it, Assemble composes the sheet). */
  stillTile: (jobId: string, k: number) => `${WORK_ROOT}${jobId}/stills/tile-${pad(k, 6)}.jpg`,
  /** The poster's full-size frame (PNG), before Assemble makes the JPEG. */
  posterFrame: (jobId: string) => `${WORK_ROOT}${jobId}/stills/poster.png`,
  /** A file a format joins from the pieces (src/formats/join.ts): its layout, its head (init), each part's receipt. */
  joinDoc: (jobId: string, format: string, id: string) => `${WORK_ROOT}${jobId}/join/${format}/${id}.json`,
  joinHead: (jobId: string, format: string, id: string) => `${WORK_ROOT}${jobId}/join/${format}/${id}.head`,
  joinPart: (jobId: string, format: string, id: string, part: number) =>
    `${WORK_ROOT}${jobId}/join/${format}/${id}/part-${pad(part)}.json`,
  joinPartsPrefix: (jobId: string, format: string, id: string) => `${WORK_ROOT}${jobId}/join/${format}/${id}/`,
  /** Every joined file of the job (Assemble writes it, AssembleComplete adds the sizes). */
  joins: (jobId: string) => `${WORK_ROOT}${jobId}/joins.json`,
  ecsJob: (jobId: string, attempt: number) => `${WORK_ROOT}${jobId}/ecs/attempt-${attempt}/job.json`,
  ecsResult: (jobId: string, attempt: number) => `${WORK_ROOT}${jobId}/ecs/attempt-${attempt}/result.json`,
  /**
   * Where a package file the job did not ask to publish is kept while other outputs need it
   * (e.g. the CMAF pieces an MP4-only job joins): work bucket, removed by Cleanup.
   */
  staged: (jobId: string, name: string) => `${WORK_ROOT}${jobId}/out/${name}`,
  /** The manifests Assemble writes: Publish puts them in the output bucket last. */
  packageManifest: (jobId: string, name: string) => `${WORK_ROOT}${jobId}/manifests/${name}`,
  packageManifestsPrefix: (jobId: string) => `${WORK_ROOT}${jobId}/manifests/`,
  /** One record per multipart upload started into the output bucket (Cleanup aborts them). */
  multipartUpload: (jobId: string, id: string) => `${WORK_ROOT}${jobId}/uploads/${id}.json`,
  multipartUploadsPrefix: (jobId: string) => `${WORK_ROOT}${jobId}/uploads/`,
  /** The Distributed Map's ResultWriter prefix (the ASL names it literally). */
  mapResultsPrefix: () => MAP_RESULTS,
  /** A published file: written in place by the step that makes it (output bucket). */
  output: (jobId: string, name: string) => `${jobId}/${name}`,
  /** Everything the job publishes: removed by Cleanup when the job fails or is canceled. */
  outputPrefix: (jobId: string) => `${jobId}/`,
};

/** Folder of a track's CMAF pieces (init + one fragment per segment), shared by HLS and DASH. */
const CMAF = 'cmaf/';
/** Folder of the text tracks' WebVTT sidecars. */
const SUBS = 'subs/';

/**
 * Where each file of a job's package lives, relative to the job's output prefix. Formats own
 * one folder each (`hls/`, `dash/`, `mp4/`, ...: src/formats); the CMAF pieces and subtitles
 * are shared by the streaming formats; the stills go with every job.
 */
export const packageLayout = {
  /** Folder of a format's own files. */
  formatDir: (format: string) => `${format}/`,
  hlsMaster: 'hls/master.m3u8',
  hlsMedia: (id: string) => `hls/${id}.m3u8`,
  dash: 'dash/manifest.mpd',
  cmafDir: CMAF,
  /** A track's folder of pieces. */
  trackDir: (id: string) => `${CMAF}${id}/`,
  init: (id: string) => `${CMAF}${id}/init.mp4`,
  segment: (id: string, index: number) => `${CMAF}${id}/seg-${pad(index)}.m4s`,
  /** The same names as a DASH SegmentTemplate writes them ($RepresentationID$, $Number%05d$). */
  dashTemplate: {
    initialization: `${CMAF}$RepresentationID$/init.mp4`,
    media: `${CMAF}$RepresentationID$/seg-$Number%05d$.m4s`,
  },
  subsDir: SUBS,
  /** A text subtitle track as one WebVTT file (HLS and DASH both reference it). */
  subtitles: (id: string) => `${SUBS}${id}.vtt`,
  /** Progressive download of a rendition (video + audio), assembled from the same pieces. */
  progressive: (id: string) => `mp4/${id}.mp4`,
  sprite: 'sprite.jpg',
  poster: 'poster.jpg',
  /** The sprite sheet's WebVTT index. */
  thumbnails: 'thumbnails.vtt',
};

/** From a manifest in a format's folder (hls/, dash/) to a package file. */
export const fromManifest = (p: string) => `../${p}`;

/**
 * The S3 prefixes a deployment grants access to, as data, so the IAM statements and the ASL's
 * ResultWriter can be generated from this module: the work bucket's job data and Map results,
 * and the output bucket's published packages (one prefix per job id, so the whole bucket).
 * Patterns use S3's `*` wildcard as IAM resource ARNs and `s3:prefix` conditions take it.
 */
export function iamPrefixes(): {
  work: { jobs: string; uploads: string; mapResults: string };
  output: { packages: string };
} {
  return {
    work: { jobs: `${WORK_ROOT}*`, uploads: `${WORK_ROOT}*/uploads/*`, mapResults: `${MAP_RESULTS}/*` },
    output: { packages: '*' },
  };
}
