/**
 * Where each file of a job's package is written. Files the job publishes go straight to the
 * output bucket under the job's prefix (no copy between buckets later: CopyObject refuses
 * sources over 5 GiB, and 600-3,600 copies per job were Publish's whole cost); the manifests,
 * the only entry points, are written last by Publish (the commit point). A file the job does
 * not publish but another output is built from (the CMAF pieces of an MP4-only job) stays in
 * the work bucket, removed by Cleanup.
 */
import type { Config } from '../config.js';
import { keys, packageLayout } from './layout.js';
import { formatOf, formatOwning } from '../formats/registry.js';

/**
 * Whether a package file (path relative to the job's output prefix) is published for `outputs`:
 * a format's own files with it, the shared CMAF pieces and subtitles each with any format whose
 * manifests reference them (src/formats/registry.ts).
 */
export function published(name: string, outputs: readonly string[]): boolean {
  const owner = formatOwning(name);
  if (owner) return outputs.includes(owner.name);
  if (name.startsWith(packageLayout.cmafDir)) return outputs.some((o) => formatOf(o)?.references.includes('cmaf'));
  if (name.startsWith(packageLayout.subsDir)) return outputs.some((o) => formatOf(o)?.references.includes('subs'));
  // The poster, the sprite sheet and its WebVTT index go with every job.
  return true;
}

/** The bucket and key a package file is written to (and read back from by later steps). */
export function placeOf(
  config: Pick<Config, 'OUTPUT_BUCKET' | 'WORK_BUCKET'>,
  job: { jobId: string; outputs: readonly string[] },
  name: string,
): { bucket: string; key: string } {
  return published(name, job.outputs)
    ? { bucket: config.OUTPUT_BUCKET, key: keys.output(job.jobId, name) }
    : { bucket: config.WORK_BUCKET, key: keys.staged(job.jobId, name) };
}
