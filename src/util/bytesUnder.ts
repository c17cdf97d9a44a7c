import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Bytes of every file under `dir`, walking sub-folders. A folder that is missing, or a file
 * removed while walking, counts as 0: callers sample folders that a running job changes.
 */
export async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await bytesUnder(p);
    else
      total += await stat(p).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}
