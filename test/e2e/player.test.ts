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
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer, { type Browser } from 'puppeteer-core';
import { resolveBinaries } from '../../src/media/binaries.js';
import { generateSample } from '../../src/media/sample.js';
import { capabilitiesOf } from '../../src/media/encoders.js';
import { LocalStack } from '../../src/local/stack.js';
import { runJob, downloadOutputs } from '../helpers/stack.js';
import { tracksFixture } from '../helpers/media.js';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const LIBS: Record<string, string> = {
  '/lib/shaka.js': require.resolve('shaka-player/dist/shaka-player.compiled.js'),
  '/lib/hls.js': require.resolve('hls.js/dist/hls.min.js'),
};

const TYPES: Record<string, string> = { '.m3u8': 'application/vnd.apple.mpegurl', '.mpd': 'application/dash+xml', '.mp4': 'video/mp4', '.m4s': 'video/iso.segment', '.vtt': 'text/vtt', '.js': 'text/javascript', '.html': 'text/html' };

/** The page: plays one URL with one player pinned to one variant, resolves with what happened. */
const PAGE = `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/lib/shaka.js"></script><script src="/lib/hls.js"></script>
<script>
// The subtitle cues the page's text tracks hold (the players add them to the video element).
const cueCount = (video) => Array.from(video.textTracks).reduce((n, t) => n + (t.cues ? t.cues.length : 0), 0);
window.play = (player, url, height, opts) => new Promise((resolve) => {
  const video = document.getElementById('v');
  const r = { errors: [], waiting: 0, started: false, heights: [], ended: false };
  const finish = (extra) => { clearTimeout(timer); resolve({ ...r, ...extra, cues: cueCount(video), currentTime: video.currentTime, duration: video.duration, frames: video.getVideoPlaybackQuality().totalVideoFrames }); };
  const timer = setTimeout(() => finish({ timedOut: true }), 40000);
  video.addEventListener('playing', () => { r.started = true; video.playbackRate = 2; });
  // A stall for want of media: waiting with nothing buffered at the playhead (a gap, a missing
  // or unplayable segment). A starved CPU (2 shared cores) can also make the element wait with
  // the data there; that is counted apart, not as a stall of the stream.
  const ahead = () => { const b = video.buffered; for (let i = 0; i < b.length; i++) if (b.start(i) <= video.currentTime + 0.01 && b.end(i) > video.currentTime + 0.05) return b.end(i) - video.currentTime; return 0; };
  r.cpuWaits = 0;
  video.addEventListener('waiting', () => { if (!r.started || video.seeking) return; if (ahead() > 0) r.cpuWaits++; else r.waiting++; });
  video.addEventListener('timeupdate', () => { if (video.videoHeight && !r.heights.includes(video.videoHeight)) r.heights.push(video.videoHeight); });
  video.addEventListener('error', () => r.errors.push('video element: ' + (video.error && video.error.message)));
  video.addEventListener('ended', () => { r.ended = true; setTimeout(() => { let s = {}; try { s = stats(); } catch (e) { r.errors.push('stats ' + e.message); } finish(s); }, 100); });
  let stats = () => ({});
  if (player === 'shaka') {
    shaka.polyfill.installAll();
    const p = new shaka.Player();
    p.addEventListener('error', (e) => r.errors.push('shaka ' + e.detail.code));
    p.configure({ restrictions: { minHeight: height, maxHeight: height } });
    stats = () => { const s = p.getStats(); const active = p.getVariantTracks().filter((t) => t.active); return { stalls: s.stallsDetected, gaps: s.gapsJumped, variants: active.map((t) => t.height), audioLanguages: p.getAudioTracks().map((t) => t.language), audioPlayed: (p.getAudioTracks().find((t) => t.active) || {}).language, textLanguages: p.getTextTracks().map((t) => t.language) }; };
    p.attach(video).then(() => p.load(url)).then(() => {
      const audio = opts.audioLanguage && p.getAudioTracks().find((t) => t.language.startsWith(opts.audioLanguage));
      if (audio) p.selectAudioTrack(audio);
      const text = p.getTextTracks()[0];
      if (text) p.selectTextTrack(text); // Shaka 5 shows a selected text track
      return video.play();
    }).catch((e) => { r.errors.push('shaka load ' + (e && (e.code || e.message))); finish({}); });
  } else {
    const h = new Hls({ enableWorker: false });
    h.on(Hls.Events.ERROR, (_e, d) => r.errors.push('hls.js ' + d.type + ' ' + d.details + (d.fatal ? ' fatal' : '')));
    h.on(Hls.Events.MANIFEST_PARSED, (_e, d) => {
      const i = d.levels.findIndex((l) => l.height === height);
      h.currentLevel = i;
      if (opts.audioLanguage) h.audioTrack = h.audioTracks.findIndex((t) => t.lang && t.lang.startsWith(opts.audioLanguage));
      if (h.subtitleTracks.length) { h.subtitleTrack = 0; h.subtitleDisplay = true; }
      video.play();
    });
    stats = () => ({ variants: [h.levels[h.currentLevel] && h.levels[h.currentLevel].height], audioLanguages: h.audioTracks.map((t) => t.lang), audioPlayed: h.audioTracks[h.audioTrack] && h.audioTracks[h.audioTrack].lang, textLanguages: h.subtitleTracks.map((t) => t.lang) });
    h.loadSource(url);
    h.attachMedia(video);
  }
});
</script></body></html>`;

/** A job to play: its outputs' folder under the served root, its variants, what it carries. */
interface PlayedJob {
  name: string;
  variants: number[];
  durationSec: number;
  /** Both audio languages and the subtitles (the tracks fixture). */
  tracks: boolean;
}

(existsSync(CHROMIUM) ? describe : describe.skip)("a real player plays a job's HLS and DASH (headless Chromium)", function () {
  this.timeout(600_000);
  let dir: string;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  const jobs: PlayedJob[] = [];
  /** Requests the server could not answer (a manifest naming a file that is not there). */
  const missing: string[] = [];

  before(async function () {
    const bins = resolveBinaries(process.env);
    if (bins.source.ffmpeg === 'npm') this.skip(); // the 2018 build cannot write the fragments (refused at Plan)
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-player-'));
    // The jobs, through the whole pipeline; the stack is stopped before anything plays.
    const stack = await LocalStack.start({ dataDir: path.join(dir, 'stack'), binaries: bins, logSink: () => {} });
    try {
      const run = async (name: string, src: string, meta: Record<string, string>, tracks: boolean) => {
        const { detail, jobId } = await runJob(stack, src, `uploads/player-${name}${path.extname(src)}`, { 'segment-seconds': '2', ...meta });
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
    const root = path.join(dir, 'jobs');
    server = http.createServer(async (req, res) => {
      const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = url === '/' ? undefined : LIBS[url] ?? path.join(root, path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
      try {
        const body = url === '/' ? Buffer.from(PAGE) : await readFile(file!);
        res.writeHead(200, { 'content-type': url === '/' ? 'text/html' : TYPES[path.extname(file!)] ?? 'application/octet-stream', 'access-control-allow-origin': '*' });
        res.end(body);
      } catch {
        missing.push(url);
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: path.join(dir, 'profile'),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
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
        if (!played) this.skip(); // no SVT-AV1 in this ffmpeg: the job is refused at Plan (test/e2e/breadth.test.ts)
        const page = await browser.newPage();
        const console_: string[] = [];
        page.on('console', (m) => console_.push(m.text()));
        page.on('pageerror', (e) => console_.push(String(e)));
        await page.goto(base + '/');
        assert.ok(played!.variants.length >= (job === 'h264' ? 2 : 1), `${job}: variants ${played!.variants}`);
        for (const [v, height] of played!.variants.entries()) {
          const what = `${player} ${job} ${manifest} ${height}p`;
          // The last variant plays the second language.
          const audioLanguage: string | undefined = played!.tracks && v === played!.variants.length - 1 ? 'fr' : undefined;
          // A stall from the media (a gap, a missing segment) happens on every play; one from a
          // starved CPU (2 cores shared with other work) does not: a play that stalled is played
          // once more, and must then play through. Errors, the end, the size and gaps never get a
          // second chance.
          for (let attempt = 1; ; attempt++) {
            const res = (await page.evaluate((p, u, h, o) => (window as unknown as { play: (a: string, b: string, c: number, d: unknown) => Promise<unknown> }).play(p, u, h, o), player, `${base}/${job}/${manifest}`, height, { audioLanguage })) as {
              errors: string[]; waiting: number; cpuWaits: number; ended: boolean; timedOut?: boolean; heights: number[]; currentTime: number; duration: number; frames: number; stalls?: number; gaps?: number; variants?: number[];
              audioLanguages: string[]; audioPlayed?: string; textLanguages: string[]; cues: number;
            };
            console.log(`      ${what}: ended=${res.ended} t=${res.currentTime?.toFixed(3)}/${res.duration?.toFixed(3)} errors=${res.errors} frames=${res.frames} waiting=${res.waiting} (cpu ${res.cpuWaits}) stalls=${res.stalls ?? '-'} gaps=${res.gaps ?? '-'} heights=${res.heights} audio=${res.audioLanguages}>${res.audioPlayed} text=${res.textLanguages} cues=${res.cues} load=${os.loadavg()[0].toFixed(1)}`);
            await page.reload();
            assert.deepEqual(res.errors, [], `${what}: no player error (${console_.slice(-5).join(' | ')})`);
            assert.ok(res.ended && !res.timedOut, `${what}: the end reached`);
            assert.ok(Math.abs(res.currentTime - played!.durationSec) < 0.1, `${what}: ended at ${res.currentTime}s of ${played!.durationSec}s`);
            assert.equal(res.gaps ?? 0, 0, `${what}: no gap in the buffered timeline jumped by the player`);
            assert.deepEqual(res.heights, [height], `${what}: only this variant on screen`);
            if (played!.tracks) {
              // Shaka names languages in their 2-letter form, hls.js as the playlist does.
              assert.deepEqual(res.audioLanguages.map((l) => l.slice(0, 2)).sort(), ['en', 'fr'], `${what}: both audio languages offered`);
              assert.equal(res.audioPlayed?.slice(0, 2), audioLanguage ?? 'en', `${what}: ${audioLanguage ? 'the chosen' : 'the default'} language played`);
              assert.deepEqual(res.textLanguages.map((l) => l.slice(0, 2)), ['en'], `${what}: the subtitle track offered`);
              assert.equal(res.cues, 2, `${what}: both subtitle cues loaded`);
            }
            const stalled = res.waiting > 0 || (res.stalls ?? 0) > 0;
            if (!stalled) break;
            assert.ok(attempt < 2, `${what}: stalled on two plays in a row (waiting with nothing buffered ${res.waiting}, player stalls ${res.stalls ?? 0})`);
          }
        }
        await page.close();
        assert.deepEqual(missing.filter((u) => u !== '/favicon.ico'), [], 'every file the players asked for exists');
      });
    }
  }
});
