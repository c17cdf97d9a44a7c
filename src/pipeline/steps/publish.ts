import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { copyObject, getJson, listKeys, s3Uri } from '../../aws/s3.js';
import { mapLimit } from '../../util/mapLimit.js';
import { keys } from '../job.js';
import { readManifest, type RenditionResult } from '../manifest.js';
import type { PublishedOutput, TracksReport } from '../outputs.js';
import type { SubtitleResult } from './subtitles.js';
import type { EncoderInfo } from '../../media/encoders.js';

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4s: 'video/iso.segment',
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  jpg: 'image/jpeg',
  vtt: 'text/vtt',
};

/** Which staged files a job's outputs publish: manifests, their pieces, downloads, thumbnails. */
function wanted(name: string, outputs: Set<string>): boolean {
  if (name.startsWith('hls/')) return outputs.has('hls');
  if (name.startsWith('dash/')) return outputs.has('dash');
  if (name.startsWith('cmaf/') || name.startsWith('subs/')) return outputs.has('hls') || outputs.has('dash');
  if (name.startsWith('mp4/')) return outputs.has('mp4');
  return true;
}

const ORDER: PublishedOutput['type'][] = ['hls', 'dash', 'video', 'cmaf', 'subtitles', 'poster', 'sprite', 'vtt'];

/**
 * Copies the staged outputs the job asked for to the output bucket (server-side copies, many at
 * once): outputs appear only once all of them exist. Lists them manifests first, each track's
 * fragments as one folder entry. Also names the ffmpeg that encoded them (the manifest's, which
 * the ECS worker sets to its own), for the COMPLETE event.
 */
export async function publishStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ outputs: PublishedOutput[]; encoder: EncoderInfo; tracks: TracksReport }> {
  const work = rt.config.WORK_BUCKET;
  const m = await readManifest(rt, job.jobId);
  const outputs = new Set<string>(m.outputs);
  const prefix = keys.stagedPrefix(job.jobId);
  const staged = (await listKeys(rt.s3, work, prefix)).map((o) => ({ ...o, name: o.key.slice(prefix.length) })).filter((o) => wanted(o.name, outputs));
  const renditions = await getJson<RenditionResult[]>(rt.s3, { bucket: work, key: keys.renditions(job.jobId) });
  await mapLimit(staged, 32, (o) => copyObject(rt.s3, { bucket: work, key: o.key }, { bucket: rt.config.OUTPUT_BUCKET, key: keys.output(job.jobId, o.name) }, CONTENT_TYPES[o.name.split('.').pop() ?? ''] ?? 'application/octet-stream'));
  const uri = (name: string) => s3Uri({ bucket: rt.config.OUTPUT_BUCKET, key: keys.output(job.jobId, name) });
  const listed: PublishedOutput[] = [];
  const folders = new Map<string, PublishedOutput>();
  for (const o of staged) {
    if (o.name.startsWith('cmaf/')) {
      const track = o.name.split('/')[1];
      const name = `cmaf/${track}/`;
      const f = folders.get(name) ?? { type: 'cmaf', name, uri: uri(name), sizeBytes: 0, files: 0, ...(m.renditions.some((r) => r.name === track) ? { rendition: track } : {}) };
      f.sizeBytes += o.size;
      f.files! += 1;
      folders.set(name, f);
      continue;
    }
    const r = renditions.find((x) => x.file === o.name);
    const type: PublishedOutput['type'] = o.name.startsWith('hls/') ? 'hls' : o.name.startsWith('dash/') ? 'dash' : o.name.endsWith('.mp4') ? 'video' : o.name.startsWith('sprite') ? 'sprite' : o.name.startsWith('subs/') ? 'subtitles' : o.name.endsWith('.vtt') ? 'vtt' : 'poster';
    listed.push({
      type,
      name: o.name,
      uri: uri(o.name),
      sizeBytes: o.size,
      ...(r ? { rendition: r.name, durationMs: r.durationMs, width: r.width, height: r.height, frames: r.frames, codec: r.codec } : {}),
    });
  }
  for (const f of folders.values()) {
    const r = renditions.find((x) => x.name === f.rendition);
    listed.push(r ? { ...f, durationMs: r.durationMs, width: r.width, height: r.height, frames: r.frames, codec: r.codec } : f);
  }
  // Manifests first (the HLS master before media playlists), then downloads, pieces, pictures.
  const rank = (o: PublishedOutput) => ORDER.indexOf(o.type) * 10 + (o.name.endsWith('master.m3u8') ? 0 : 1);
  listed.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  log.info('published', { files: staged.length, outputs: listed.length, bytes: staged.reduce((a, o) => a + o.size, 0) });
  // The Plan records it (capabilitiesOf); Publish has no ffmpeg of its own to ask.
  const encoder: EncoderInfo = { ffmpegVersion: m.ffmpegVersion ?? 'unknown (not recorded by the plan)' };
  const subtitles = await getJson<SubtitleResult[]>(rt.s3, { bucket: work, key: keys.subtitles(job.jobId) });
  const tracks: TracksReport = {
    audio: m.audioOutputs.map((a, i) => ({ id: a.id, sourceIndex: a.index, ...(a.language ? { language: a.language } : {}), ...(a.title ? { title: a.title } : {}), channels: a.channels, default: i === 0 })),
    subtitles: subtitles.map((t) => ({ id: t.id, sourceIndex: t.index, codec: t.codec, format: 'webvtt', ...(t.language ? { language: t.language } : {}), ...(t.title ? { title: t.title } : {}), cues: t.cues, default: t.default, forced: t.forced })),
    skipped: (m.tracks?.skipped ?? []).map((x) => ({ sourceIndex: x.index, type: x.type, codec: x.codec, ...(x.language !== 'und' ? { language: x.language } : {}), reason: x.reason })),
  };
  return { outputs: listed, encoder, tracks };
}
