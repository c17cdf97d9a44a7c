/**
 * `npm start` checks its arguments before anything runs (issue 20, case 6): `--out` naming an
 * existing file (or a path under a file) and a directory given as input are each one line and
 * exit 2, with no local stack started and nothing transcoded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inputProblem, outDirProblem } from '../../scripts/cliArgs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start: arguments checked before anything runs', () => {
  it('--out an existing file, or under a file: named at once; a directory as input is called a directory', async function () {
    this.timeout(60_000);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mt-cliargs-'));
    try {
      const file = path.join(dir, 'taken.mp4');
      await writeFile(file, 'x');
      await mkdir(path.join(dir, 'folder'));
      assert.equal(outDirProblem(file), `--out ${file} exists and is not a directory`);
      assert.match(
        outDirProblem(path.join(file, 'sub', 'deeper')) ?? '',
        /cannot be created: .*taken\.mp4 is not a directory/,
      );
      assert.equal(outDirProblem(path.join(dir, 'folder')), undefined);
      assert.equal(outDirProblem(path.join(dir, 'new', 'out')), undefined);
      assert.equal(
        inputProblem(path.join(dir, 'folder')),
        `input is a directory, not a video file: ${path.join(dir, 'folder')}`,
      );
      assert.equal(inputProblem(path.join(dir, 'missing.mp4')), `input not found: ${path.join(dir, 'missing.mp4')}`);
      assert.equal(inputProblem(file), undefined);
      // The command itself: exit 2 with one line, and nothing ran (no local stack folder made).
      const data = path.join(dir, 'data');
      const r = await cli([file, '--out', file, '--data', data]);
      assert.deepEqual([r.code, r.stderr, r.stdout], [2, `--out ${file} exists and is not a directory\n`, '']);
      const d = await cli([path.join(dir, 'folder'), '--data', data]);
      assert.deepEqual(
        [d.code, d.stderr],
        [2, `input is a directory, not a video file: ${path.join(dir, 'folder')}\n`],
      );
      assert.equal(existsSync(data), false, 'no stack was started');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
