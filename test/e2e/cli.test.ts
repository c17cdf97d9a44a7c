/** The README's main command, as a user runs it: exit codes, --json, files on disk. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSample } from '../../src/media/package/sample.js';

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

describe('npm start (the CLI)', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('transcodes a file: exit 0, --json prints only the COMPLETE event, every output on disk, progress on stderr', async () => {
    const input = path.join(dir, 'clip.mp4');
    await generateSample({ output: input, durationSec: 5, width: 320, height: 240, fps: 25, audio: true });
    const out = path.join(dir, 'out');
    const r = await cli([input, '--json', '--out', out, '--data', path.join(dir, 'data'), '--segment-seconds', '2']);
    assert.equal(r.code, 0, r.stderr);
    const ev = JSON.parse(r.stdout.trim());
    assert.equal(r.stdout.trim().split('\n').length, 1, 'stdout carries only the event');
    assert.equal(ev['detail-type'], 'Transcode Job State Change');
    assert.equal(ev.detail.status, 'COMPLETE');
    assert.deepEqual((await readdir(out)).sort(), [
      'cmaf',
      'dash',
      'hls',
      'mp4',
      'poster.jpg',
      'sprite.jpg',
      'thumbnails.vtt',
    ]);
    assert.equal(
      (await stat(path.join(out, 'mp4', '240p.mp4'))).size,
      ev.detail.outputs.find((o: { name: string }) => o.name === 'mp4/240p.mp4').sizeBytes,
    );
    assert.equal(ev.detail.outputs[0].name, 'hls/master.m3u8', 'manifests first');
    assert.match(r.stderr, /TranscodeSegment\s+segments \d+\/2/);
    assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning/);
  });

  it('bad input: exit 1 and the ERROR event; a missing file or bad flag: exit 2', async () => {
    const bad = path.join(dir, 'notes.mp4');
    await writeFile(bad, 'not a video at all\n'.repeat(50));
    const r = await cli([bad, '--json', '--out', path.join(dir, 'out-bad'), '--data', path.join(dir, 'data')]);
    assert.equal(r.code, 1);
    const ev = JSON.parse(r.stdout.trim());
    assert.equal(ev.detail.status, 'ERROR');
    assert.equal(ev.detail.errorCode, 'INPUT_UNREADABLE');
    await assert.rejects(stat(path.join(dir, 'out-bad')), 'no output folder for a failed job');
    assert.equal((await cli([path.join(dir, 'missing.mp4')])).code, 2);
    assert.equal((await cli([bad, '--preset', 'nope'])).code, 2);
    const unknown = await cli(['--no-such-flag']);
    assert.equal(unknown.code, 2, 'an unknown flag is a usage error, not a crash');
    assert.match(unknown.stderr, /usage: npm start/);
  });
});
