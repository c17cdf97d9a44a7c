/**
 * A real player plays what a job publishes: jobs run through the whole pipeline on the local
 * stack (the default H.264 ladder on a source with two audio languages and subtitles, and the
 * AV1 ladder where the ffmpeg has SVT-AV1), their outputs are served over loopback HTTP and
 * played to the end in headless Debian Chromium (puppeteer-core drives /usr/bin/chromium; no
 * browser is downloaded) with Shaka Player (HLS and DASH) and hls.js (HLS), once per variant
 * with the ABR pinned to it. Passes only with no player error, no stall, the end reached, that
 * variant's picture size on screen, both audio languages offered (the second one played on the
 * last variant) and the subtitle cues loaded.
 */
import assert from 'node:assert/strict';
import { skipBecause } from '../helpers/skip.js';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { generateSample } from '../../src/media/package/sample.js';
import { capabilitiesOf } from '../../src/media/plan/encoders.js';
import { LocalStack } from '../../src/local/stack.js';
import { runJob, downloadOutputs } from '../helpers/stack.js';
import { tracksFixture } from '../helpers/media.js';
import { CHROMIUM, startPlayerRig, type PlayResult } from '../helpers/player.js';

/** A job to play: its outputs' folder under the served root, its variants, what it carries. */
interface PlayedJob {
  name: string;
  variants: number[];
  durationSec: number;
  /** Both audio languages and the subtitles (the tracks fixture). */
  tracks: boolean;
}

describe("a real player plays a job's HLS and DASH (headless Chromium)", function () {
  this.timeout(600_000);
  let dir: string;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  const jobs: PlayedJob[] = [];
  /** Requests the server could not answer (a manifest naming a file that is not there). */
  const missing: string[] = [];

  before(function () {
    if (!existsSync(CHROMIUM))
      skipBecause(this, `no Chromium at ${CHROMIUM} (npm run setup installs Debian's chromium)`);
  });

  before(async function () {
    const bins = resolveBinaries(process.env);
    if (bins.source.ffmpeg === 'npm')
      skipBecause(this, 'the npm-shipped 2018 ffmpeg cannot write the fragments (refused at Plan)');
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-player-'));
    // The jobs, through the whole pipeline; the stack is stopped before anything plays.
    const stack = await LocalStack.start({ dataDir: path.join(dir, 'stack'), binaries: bins, logSink: () => {} });
    try {
      const run = async (name: string, src: string, meta: Record<string, string>, tracks: boolean) => {
        const { detail, jobId } = await runJob(stack, src, `uploads/player-${name}${path.extname(src)}`, {
          'segment-seconds': '2',
          ...meta,
        });
        assert.equal(detail.status, 'COMPLETE', `${name}: ${detail.errorCode}: ${detail.errorMessage}`);
        await downloadOutputs(stack, jobId, path.join(dir, 'jobs', name));
        const variants = (detail.outputs ?? []).filter((o) => o.type === 'cmaf' && o.rendition).map((o) => o.height!);
        jobs.push({ name, variants, durationSec: 6, tracks });
      };
      // The default ladder (720p and 480p from a 720p source), two audio languages, subtitles.
      const src = path.join(dir, 'tracks.mp4');
      await tracksFixture(src, { width: 1280, height: 720, durationSec: 6, fps: 30 });
      await run('h264', src, {}, true);
      // The AV1 ladder (one 480p variant), where this ffmpeg has SVT-AV1.
      if ((await capabilitiesOf(bins.ffmpeg)).encoders.has('libsvtav1')) {
        const av1 = path.join(dir, 'av1.mp4');
        await generateSample({ output: av1, durationSec: 6, width: 854, height: 480, fps: 30, audio: true });
        await run('av1', av1, { preset: 'av1-ladder' }, false);
      }
    } finally {
      await stack.stop();
    }
    ({ server, base, browser } = await startPlayerRig(path.join(dir, 'jobs'), path.join(dir, 'profile'), missing));
  });
  after(async () => {
    await browser?.close();
    server?.close();
    if (dir && !process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, string][] = [
    ['shaka', 'dash/manifest.mpd'],
    ['shaka', 'hls/master.m3u8'],
    ['hlsjs', 'hls/master.m3u8'],
  ];
  for (const job of ['h264', 'av1']) {
    for (const [player, manifest] of cases) {
      it(`${player === 'shaka' ? 'Shaka Player' : 'hls.js'} plays every variant of the ${job} job's ${manifest} to the end${job === 'h264' ? ', with both audio languages and the subtitles' : ''}`, async function () {
        const played = jobs.find((j) => j.name === job);
        if (!played) skipBecause(this, 'no SVT-AV1 in this ffmpeg: the job is refused at Plan');
        const page = await browser.newPage();
        const console_: string[] = [];
        page.on('console', (m) => console_.push(m.text()));
        page.on('pageerror', (e) => console_.push(String(e)));
        await page.goto(`${base}/`);
        assert.ok(played!.variants.length >= (job === 'h264' ? 2 : 1), `${job}: variants ${played!.variants}`);
        for (const [v, height] of played!.variants.entries()) {
          const what = `${player} ${job} ${manifest} ${height}p`;
          // The last variant plays the second language.
          const audioLanguage: string | undefined =
            played!.tracks && v === played!.variants.length - 1 ? 'fr' : undefined;
          // A stall from the media (a gap, a missing segment) happens on every play; one from a
          // starved CPU (2 cores shared with other work) does not: a play that stalled is played
          // once more, and must then play through. Errors, the end, the size and gaps never get a
          // second chance.
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
              `${base}/${job}/${manifest}`,
              height,
              { audioLanguage },
            )) as PlayResult;
            console.log(
              `      ${what}: ended=${res.ended} t=${res.currentTime?.toFixed(3)}/${res.duration?.toFixed(3)} errors=${res.errors} frames=${res.frames} waiting=${res.waiting} (cpu ${res.cpuWaits}) stalls=${res.stalls ?? '-'} gaps=${res.gaps ?? '-'} heights=${res.heights} audio=${res.audioLanguages}>${res.audioPlayed} text=${res.textLanguages} cues=${res.cues} load=${os.loadavg()[0].toFixed(1)}`,
            );
            await page.reload();
            assert.deepEqual(res.errors, [], `${what}: no player error (${console_.slice(-5).join(' | ')})`);
            assert.ok(res.ended && !res.timedOut, `${what}: the end reached`);
            assert.ok(
              Math.abs(res.currentTime - played!.durationSec) < 0.1,
              `${what}: ended at ${res.currentTime}s of ${played!.durationSec}s`,
            );
            assert.equal(res.gaps ?? 0, 0, `${what}: no gap in the buffered timeline jumped by the player`);
            assert.deepEqual(res.heights, [height], `${what}: only this variant on screen`);
            if (played!.tracks) {
              // Shaka names languages in their 2-letter form, hls.js as the playlist does.
              assert.deepEqual(
                res.audioLanguages.map((l) => l.slice(0, 2)).sort(),
                ['en', 'fr'],
                `${what}: both audio languages offered`,
              );
              assert.equal(
                res.audioPlayed?.slice(0, 2),
                audioLanguage ?? 'en',
                `${what}: ${audioLanguage ? 'the chosen' : 'the default'} language played`,
              );
              assert.deepEqual(
                res.textLanguages.map((l) => l.slice(0, 2)),
                ['en'],
                `${what}: the subtitle track offered`,
              );
              assert.equal(res.cues, 2, `${what}: both subtitle cues loaded`);
            }
            const stalled = res.waiting > 0 || (res.stalls ?? 0) > 0;
            if (!stalled) break;
            assert.ok(
              attempt < 2,
              `${what}: stalled on two plays in a row (waiting with nothing buffered ${res.waiting}, player stalls ${res.stalls ?? 0})`,
            );
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
  }
});
