/**
 * The `hls-byterange` format (src/formats/hlsByterange.ts) through the whole pipeline on the
 * local stack: a job asking only for it publishes one file per rendition and audio track and
 * playlists addressing them by byte ranges (no per-segment pieces published), every variant has
 * exactly the source's frames at its source times read through its playlist, and Shaka Player
 * and hls.js in headless Chromium play every variant to the end by range requests, with both
 * audio languages and the subtitles.
 */
import assert from 'node:assert/strict';
import { skipBecause } from '../helpers/skip.js';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { LocalStack } from '../../src/local/stack.js';
import { downloadOutputs, keysUnder, runJob } from '../helpers/stack.js';
import { frameTimes, tracksFixture } from '../helpers/media.js';
import { CHROMIUM, startPlayerRig, type PlayResult } from '../helpers/player.js';
import type { JobEventDetail } from '../../src/pipeline/events.js';

const DIR = 'hls-byterange';

describe('hls-byterange: one file per track, playlists by byte range (local stack)', function () {
  this.timeout(900_000);
  let dir: string;
  let out: string;
  let detail: JobEventDetail;
  let names: string[];
  let workLeft: string[];
  const src = () => path.join(dir, 'tracks.mp4');

  before(async function () {
    const bins = resolveBinaries(process.env);
    if (bins.source.ffmpeg === 'npm')
      skipBecause(this, 'the npm-shipped 2018 ffmpeg cannot write the fragments (refused at Plan)');
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-hlsbr-'));
    out = path.join(dir, 'jobs', 'job');
    await tracksFixture(src(), { width: 1280, height: 720, durationSec: 6, fps: 30 });
    const stack = await LocalStack.start({ dataDir: path.join(dir, 'stack'), binaries: bins, logSink: () => {} });
    try {
      const r = await runJob(stack, src(), 'uploads/hlsbr.mp4', { 'segment-seconds': '2', outputs: DIR });
      detail = r.detail;
      assert.equal(detail.status, 'COMPLETE', `${detail.errorCode}: ${detail.errorMessage}`);
      names = await downloadOutputs(stack, r.jobId, out);
      workLeft = await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`);
    } finally {
      await stack.stop();
    }
  });
  after(async () => {
    if (dir && !process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  const renditions = () => (detail.outputs ?? []).filter((o) => o.type === 'cmaf' && o.rendition);

  it('publishes its playlists, one file per rendition and audio track and the subtitles; no per-segment piece, no other format', () => {
    assert.deepEqual(
      renditions().map((o) => [o.name, o.height]),
      [
        [`${DIR}/480p.mp4`, 480],
        [`${DIR}/720p.mp4`, 720],
      ],
    );
    for (const n of [
      'master.m3u8',
      '720p.m3u8',
      '480p.m3u8',
      'audio.m3u8',
      'audio2.m3u8',
      'text1.m3u8',
      '720p.mp4',
      '480p.mp4',
      'audio.mp4',
      'audio2.mp4',
    ])
      assert.ok(names.includes(`${DIR}/${n}`), n);
    assert.ok(names.includes('subs/text1.vtt'));
    assert.deepEqual(
      names.filter((n) => /^(cmaf|hls|dash|mp4)\//.test(n)),
      [],
      'no piece or other format published',
    );
    assert.deepEqual(workLeft, [], 'the work prefix (the staged pieces) cleaned');
    const group = detail.outputGroupDetails!.find((g) => g.playlistFilePaths?.[0]?.endsWith(`${DIR}/master.m3u8`));
    assert.equal(group?.type, 'HLS_GROUP');
    assert.deepEqual(
      group!.outputDetails.map((x) => x.outputFilePaths[0].split('/').slice(-2).join('/')),
      [`${DIR}/480p.m3u8`, `${DIR}/720p.m3u8`],
    );
  });

  it('each playlist addresses its file end to end: the init, then every fragment, contiguous byte ranges', async () => {
    for (const id of ['720p', '480p', 'audio', 'audio2']) {
      const pl = await readFile(path.join(out, DIR, `${id}.m3u8`), 'utf8');
      const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@(\d+)"/.exec(pl);
      assert.ok(map, `${id}: EXT-X-MAP with a byte range`);
      assert.equal(map[1], `${id}.mp4`);
      let next = Number(map[2]);
      assert.equal(Number(map[3]), 0);
      const ranges = [...pl.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n([^\n]+)/g)];
      assert.ok(ranges.length >= 3, `${id}: ${ranges.length} segments`);
      for (const r of ranges) {
        assert.equal(Number(r[2]), next, `${id}: segment at ${r[2]} follows the previous one`);
        assert.equal(r[3], `${id}.mp4`);
        next += Number(r[1]);
      }
      assert.equal(
        next,
        (await stat(path.join(out, DIR, `${id}.mp4`))).size,
        `${id}: the ranges cover the file exactly`,
      );
    }
  });

  it('every variant has exactly the source frames at their source times, read through its playlist; audio as long as the video', async () => {
    const srcT = await frameTimes(src());
    for (const r of renditions()) {
      const id = r.rendition!;
      const t = await frameTimes(path.join(out, DIR, `${id}.m3u8`));
      assert.equal(t.length, srcT.length, `${id}: frames through the playlist`);
      assert.equal(r.frames, srcT.length, `${id}: frames in the COMPLETE event`);
      const worst = Math.max(...t.map((x, i) => Math.abs(x - t[0] - (srcT[i] - srcT[0]))));
      assert.ok(worst < 1e-3, `${id}: every frame at its source time (worst ${worst}s)`);
    }
    const { runProcess } = await import('../../src/media/ffmpeg/runner.js');
    for (const a of ['audio', 'audio2']) {
      const o = await runProcess(
        resolveBinaries(process.env).ffprobe,
        ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path.join(out, DIR, `${a}.mp4`)],
        { timeoutMs: 60_000, captureStdout: true },
      );
      assert.ok(
        Math.abs(Number(o.stdout.trim()) - 6) <= 2 * (1024 / 48000) + 0.05,
        `${a}: ${o.stdout.trim()}s for 6 s of video`,
      );
    }
  });

  describe('played in headless Chromium', () => {
    let server: http.Server;
    let base: string;
    let browser: Browser;
    const missing: string[] = [];
    const ranges: string[] = [];
    before(function () {
      if (!existsSync(CHROMIUM))
        skipBecause(this, `no Chromium at ${CHROMIUM} (npm run setup installs Debian's chromium)`);
    });
    before(async () => {
      ({ server, base, browser } = await startPlayerRig(
        path.join(dir, 'jobs'),
        path.join(dir, 'profile'),
        missing,
        ranges,
      ));
    });
    after(async () => {
      await browser?.close();
      server?.close();
    });
    for (const player of ['shaka', 'hlsjs']) {
      it(`${player === 'shaka' ? 'Shaka Player' : 'hls.js'} plays every variant to the end by byte ranges, both audio languages and the subtitles`, async () => {
        const page = await browser.newPage();
        const console_: string[] = [];
        page.on('console', (m) => console_.push(m.text()));
        await page.goto(`${base}/`);
        const heights = renditions().map((o) => o.height!);
        for (const [v, height] of heights.entries()) {
          const audioLanguage = v === heights.length - 1 ? 'fr' : undefined;
          const what = `${player} ${height}p`;
          ranges.length = 0;
          for (let attempt = 1; ; attempt++) {
            const res = (await page.evaluate(
              (p, u, h, o) =>
                (window as unknown as { play: (a: string, b: string, c: number, d: unknown) => Promise<unknown> }).play(
                  p,
                  u,
                  h,
                  o,
                ),
              player,
              `${base}/job/${DIR}/master.m3u8`,
              height,
              { audioLanguage },
            )) as PlayResult;
            console.log(
              `      ${what}: ended=${res.ended} t=${res.currentTime?.toFixed(3)} errors=${res.errors} frames=${res.frames} waiting=${res.waiting} heights=${res.heights} audio=${res.audioLanguages}>${res.audioPlayed} cues=${res.cues} ranges=${ranges.length} load=${os.loadavg()[0].toFixed(1)}`,
            );
            await page.reload();
            assert.deepEqual(res.errors, [], `${what}: no player error (${console_.slice(-5).join(' | ')})`);
            assert.ok(res.ended && !res.timedOut, `${what}: the end reached`);
            assert.ok(Math.abs(res.currentTime - 6) < 0.1, `${what}: ended at ${res.currentTime}s of 6 s`);
            assert.equal(res.gaps ?? 0, 0, `${what}: no gap jumped`);
            assert.deepEqual(res.heights, [height], `${what}: only this variant on screen`);
            assert.deepEqual(
              res.audioLanguages.map((l) => l.slice(0, 2)).sort(),
              ['en', 'fr'],
              `${what}: both audio languages offered`,
            );
            assert.equal(res.audioPlayed?.slice(0, 2), audioLanguage ?? 'en', `${what}: the audio language played`);
            assert.equal(res.cues, 2, `${what}: both subtitle cues loaded`);
            assert.ok(
              ranges.some((r) => r.startsWith(`/job/${DIR}/${height}p.mp4 `)),
              `${what}: the variant's file read by byte ranges`,
            );
            if (res.waiting === 0 && (res.stalls ?? 0) === 0) break;
            // A starved CPU (2 shared cores) can stall a play; the stream must then play through.
            assert.ok(attempt < 2, `${what}: stalled on two plays in a row`);
          }
        }
        await page.close();
        assert.deepEqual(
          missing.filter((u) => u !== '/favicon.ico'),
          [],
          'every file the players asked for exists',
        );
      });
    }
  });
});
