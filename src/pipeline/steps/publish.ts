import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { copyObject, getJson, listKeys, s3Uri } from '../../aws/s3.js';
import { mapLimit } from '../../util/mapLimit.js';
import { keys } from '../job.js';
import type { RenditionResult } from '../manifest.js';
import type { PublishedOutput } from '../outputs.js';


const TYPES: Record<string, { type: PublishedOutput['type']; contentType: string }> = {
  mp4: { type: 'video', contentType: 'video/mp4' },
  jpg: { type: 'poster', contentType: 'image/jpeg' },
  vtt: { type: 'vtt', contentType: 'text/vtt' },
};

/** Copies the staged outputs to the output bucket: outputs appear only once all exist. */
export async function publishStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ outputs: PublishedOutput[] }> {
  const work = rt.config.WORK_BUCKET;
  const staged = await listKeys(rt.s3, work, keys.stagedPrefix(job.jobId));
  const renditions = await getJson<RenditionResult[]>(rt.s3, { bucket: work, key: keys.renditions(job.jobId) });
  const outputs = await mapLimit(staged, 8, async (o) => {
    const name = o.key.slice(keys.stagedPrefix(job.jobId).length);
    const ext = name.split('.').pop() ?? '';
    const t = TYPES[ext] ?? { type: 'video', contentType: 'application/octet-stream' };
    const dest = { bucket: rt.config.OUTPUT_BUCKET, key: keys.output(job.jobId, name) };
    await copyObject(rt.s3, { bucket: work, key: o.key }, dest, t.contentType);
    const r = renditions.find((x) => x.file === name);
    const out: PublishedOutput = {
      type: name.startsWith('sprite') ? 'sprite' : t.type,
      name,
      uri: s3Uri(dest),
      sizeBytes: o.size,
      ...(r ? { rendition: r.name, durationMs: r.durationMs, width: r.width, height: r.height, frames: r.frames } : {}),
    };
    return out;
  });
  log.info('published', { outputs: outputs.length, bytes: outputs.reduce((a, o) => a + o.sizeBytes, 0) });
  return { outputs };
}
