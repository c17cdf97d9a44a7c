import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { getBytes, getJson, listKeys, putBytes, s3Uri } from '../../aws/s3.js';
import { mapLimit } from '../../util/mapLimit.js';
import { keys, packageLayout } from '../layout.js';
import { FORMATS, formatOwning } from '../../formats/registry.js';
import type { JoinRecord } from '../../formats/join.js';
import { published } from '../placement.js';
import { readJobDocument, type RenditionResult } from '../jobDocument.js';
import type { PublishedOutput, TracksReport } from '../outputs.js';
import type { SubtitleResult } from './subtitles.js';
import type { EncoderInfo } from '../../media/plan/encoders.js';
import { verifyStoredJob, type VerificationReport } from '../verify.js';

/** Every format's manifest content types by extension (src/formats). */
const CONTENT_TYPES: Record<string, string> = Object.assign({}, ...FORMATS.map((f) => f.contentTypes));

const ORDER: PublishedOutput['type'][] = ['hls', 'dash', 'video', 'cmaf', 'subtitles', 'poster', 'sprite', 'vtt'];

/**
 * The commit of a job's outputs. Everything else (pieces, subtitles, pictures, MP4s) was
 * written in place under the job's output prefix by the steps that made it; Publish writes the
 * manifests Assemble left in the work bucket (the only entry points: nothing reaches a piece
 * before they exist), each format's entry point last, then lists the prefix for the COMPLETE event: one
 * PUT per manifest and one LIST per 1,000 files, no object copied between buckets. Lists the
 * outputs manifests first, each track's fragments as one folder entry. Also names the ffmpeg that
 * encoded them (the manifest's, which the ECS worker sets to its own).
 */
export async function publishStep(
  rt: Runtime,
  job: { jobId: string },
  log: Logger,
): Promise<{
  outputs: PublishedOutput[];
  encoder: EncoderInfo;
  tracks: TracksReport;
  verification: VerificationReport;
}> {
  const work = rt.config.WORK_BUCKET;
  const out = rt.config.OUTPUT_BUCKET;
  const m = await readJobDocument(rt, job.jobId);
  // Before the commit: a job whose outputs fail their check publishes no manifest (verify.ts).
  const verification = await verifyStoredJob(rt, m);
  const mprefix = keys.packageManifestsPrefix(job.jobId);
  const manifests = (await listKeys(rt.s3, work, mprefix))
    .map((o) => o.key.slice(mprefix.length))
    .filter((name) => published(name, m.outputs));
  // Each format's entry point (the HLS master, the MPD) is written after every other manifest.
  const isMaster = (name: string) => FORMATS.some((f) => f.group.entry === name);
  const write = (name: string) =>
    getBytes(rt.s3, { bucket: work, key: keys.packageManifest(job.jobId, name) }).then((body) =>
      putBytes(
        rt.s3,
        { bucket: out, key: keys.output(job.jobId, name) },
        body,
        CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream',
      ),
    );
  // Media playlists, then the entry points: a player that finds an entry point finds it all.
  await mapLimit(
    manifests.filter((n) => !isMaster(n)),
    8,
    write,
  );
  await mapLimit(manifests.filter(isMaster), 1, write);
  const prefix = keys.outputPrefix(job.jobId);
  const files = (await listKeys(rt.s3, out, prefix)).map((o) => ({ ...o, name: o.key.slice(prefix.length) }));
  const renditions = await getJson<RenditionResult[]>(rt.s3, { bucket: work, key: keys.renditions(job.jobId) });
  const joins = await getJson<JoinRecord[]>(rt.s3, { bucket: work, key: keys.joins(job.jobId) });
  const uri = (name: string) => s3Uri({ bucket: out, key: keys.output(job.jobId, name) });
  const listed: PublishedOutput[] = [];
  const folders = new Map<string, PublishedOutput>();
  for (const o of files) {
    if (o.name.startsWith(packageLayout.cmafDir)) {
      const track = o.name.split('/')[1];
      const name = packageLayout.trackDir(track);
      const f = folders.get(name) ?? {
        type: 'cmaf',
        name,
        uri: uri(name),
        sizeBytes: 0,
        files: 0,
        ...(m.renditions.some((r) => r.name === track) ? { rendition: track } : {}),
      };
      f.sizeBytes += o.size;
      f.files! += 1;
      folders.set(name, f);
      continue;
    }
    const joined = joins.find((x) => x.file === o.name);
    const r = joined?.rendition ? renditions.find((x) => x.name === joined.rendition) : undefined;
    const type: PublishedOutput['type'] =
      formatOwning(o.name)?.typeOf(o.name) ??
      (o.name.startsWith(packageLayout.subsDir)
        ? 'subtitles'
        : o.name === packageLayout.sprite
          ? 'sprite'
          : o.name === packageLayout.thumbnails
            ? 'vtt'
            : 'poster');
    listed.push({
      type,
      name: o.name,
      uri: uri(o.name),
      sizeBytes: o.size,
      ...(r
        ? {
            rendition: r.name,
            durationMs: r.durationMs,
            width: r.width,
            height: r.height,
            frames: r.frames,
            codec: r.codec,
          }
        : {}),
    });
  }
  for (const f of folders.values()) {
    const r = renditions.find((x) => x.name === f.rendition);
    listed.push(
      r ? { ...f, durationMs: r.durationMs, width: r.width, height: r.height, frames: r.frames, codec: r.codec } : f,
    );
  }
  // Manifests first (the HLS master before media playlists), then downloads, pieces, pictures.
  const rank = (o: PublishedOutput) => ORDER.indexOf(o.type) * 10 + (isMaster(o.name) ? 0 : 1);
  listed.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  log.info('published', {
    manifests: manifests.length,
    files: files.length,
    outputs: listed.length,
    bytes: files.reduce((a, o) => a + o.size, 0),
  });
  // The Plan records it (capabilitiesOf); Publish has no ffmpeg of its own to ask.
  const encoder: EncoderInfo = { ffmpegVersion: m.ffmpegVersion ?? 'unknown (not recorded by the plan)' };
  const subtitles = await getJson<SubtitleResult[]>(rt.s3, { bucket: work, key: keys.subtitles(job.jobId) });
  const tracks: TracksReport = {
    audio: m.audioOutputs.map((a, i) => ({
      id: a.id,
      sourceIndex: a.index,
      ...(a.language ? { language: a.language } : {}),
      ...(a.title ? { title: a.title } : {}),
      channels: a.channels,
      default: i === 0,
    })),
    subtitles: subtitles.map((t) => ({
      id: t.id,
      sourceIndex: t.index,
      codec: t.codec,
      format: 'webvtt',
      ...(t.language ? { language: t.language } : {}),
      ...(t.title ? { title: t.title } : {}),
      cues: t.cues,
      default: t.default,
      forced: t.forced,
    })),
    skipped: (m.tracks?.skipped ?? []).map((x) => ({
      sourceIndex: x.index,
      type: x.type,
      codec: x.codec,
      ...(x.language !== 'und' ? { language: x.language } : {}),
      reason: x.reason,
    })),
  };
  return { outputs: listed, encoder, tracks, verification };
}
