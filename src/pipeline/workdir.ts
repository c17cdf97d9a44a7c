import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { InputError } from '../errors.js';
import path from 'node:path';

/**
 * Fails clearly, before any work, when the scratch space cannot hold what a step will write
 * (Lambda's /tmp is at most 10 GB); never retried, since another try has the same disk.
 */
export async function ensureSpace(dir: string, bytes: number, what: string): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (bytes > free) {
    const mb = (x: number) => `${Math.ceil(x / 1e6)} MB`;
    throw new InputError(
      'INPUT_LIMIT_EXCEEDED',
      `${what} needs about ${mb(bytes)} of scratch space; ${mb(free)} is free`,
    );
  }
}

/** Runs `fn` in a fresh scratch folder that is always removed afterwards. */
export async function withWorkDir<T>(root: string, label: string, fn: (dir: string) => Promise<T>): Promise<T> {
  // Absolute, because ffmpeg resolves the paths in a concat list against the list's folder.
  const dir = await mkdtemp(path.join(path.resolve(root), `mt-${label.replace(/[^A-Za-z0-9-]/g, '_')}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
