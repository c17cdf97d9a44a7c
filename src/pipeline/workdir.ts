import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

/** Runs `fn` in a fresh scratch folder that is always removed afterwards. */
export async function withWorkDir<T>(root: string, label: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(root, `mt-${label.replace(/[^A-Za-z0-9-]/g, '_')}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
