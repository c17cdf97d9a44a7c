/**
 * A real player plays the package: the HLS and DASH built from CMAF pieces (test/helpers/
 * cmafPackage.ts) are served over loopback HTTP and played to the end in headless Debian
 * Chromium (puppeteer-core drives /usr/bin/chromium; no browser is downloaded) with Shaka Player
 * (HLS and DASH) and hls.js (HLS), once per variant with the ABR pinned to it. Passes only with
 * no player error, no stall, the end reached and that variant's picture size on screen.
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
import { PRESETS, selectRenditions, type Preset } from '../../src/media/presets.js';
import { buildPackage, type BuiltPackage } from '../helpers/cmafPackage.js';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const preset: Preset = {
  ...PRESETS['h264-ladder'],
  renditions: [
    { name: '240p', height: 240, crf: 23, maxBitrateKbps: 800 },
    { name: '120p', height: 120, crf: 24, maxBitrateKbps: 300 },
  ],
};

const LIBS: Record<string, string> = {
  '/lib/shaka.js': require.resolve('shaka-player/dist/shaka-player.compiled.js'),
  '/lib/hls.js': require.resolve('hls.js/dist/hls.min.js'),
};

const TYPES: Record<string, string> = { '.m3u8': 'application/vnd.apple.mpegurl', '.mpd': 'application/dash+xml', '.mp4': 'video/mp4', '.m4s': 'video/iso.segment', '.js': 'text/javascript', '.html': 'text/html' };

/** The page: plays one URL with one player pinned to one variant, resolves with what happened. */
const PAGE = `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/lib/shaka.js"></script><script src="/lib/hls.js"></script>
<script>
window.play = (player, url, height) => new Promise((resolve) => {
  const video = document.getElementById('v');
  const r = { errors: [], waiting: 0, started: false, heights: [], ended: false };
  const finish = (extra) => { clearTimeout(timer); resolve({ ...r, ...extra, currentTime: video.currentTime, duration: video.duration, frames: video.getVideoPlaybackQuality().totalVideoFrames }); };
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
  video.addEventListener('ended', () => { r.ended = true; setTimeout(() => finish(stats()), 100); });
  let stats = () => ({});
  if (player === 'shaka') {
    shaka.polyfill.installAll();
    const p = new shaka.Player();
    p.addEventListener('error', (e) => r.errors.push('shaka ' + e.detail.code));
    p.configure({ restrictions: { minHeight: height, maxHeight: height } });
    stats = () => { const s = p.getStats(); return { stalls: s.stallsDetected, gaps: s.gapsJumped, variants: p.getVariantTracks().filter((t) => t.active).map((t) => t.height) }; };
    p.attach(video).then(() => p.load(url)).then(() => video.play()).catch((e) => { r.errors.push('shaka load ' + (e && e.code)); finish({}); });
  } else {
    const h = new Hls({ enableWorker: false });
    h.on(Hls.Events.ERROR, (_e, d) => r.errors.push('hls.js ' + d.type + ' ' + d.details + (d.fatal ? ' fatal' : '')));
    h.on(Hls.Events.MANIFEST_PARSED, (_e, d) => {
      const i = d.levels.findIndex((l) => l.height === height);
      h.currentLevel = i;
      video.play();
    });
    stats = () => ({ variants: [h.levels[h.currentLevel] && h.levels[h.currentLevel].height] });
    h.loadSource(url);
    h.attachMedia(video);
  }
});
</script></body></html>`;

(existsSync(CHROMIUM) ? describe : describe.skip)('a real player plays the HLS and DASH built from CMAF pieces (headless Chromium)', function () {
  this.timeout(300_000);
  let dir: string;
  let pkg: BuiltPackage;
  let server: http.Server;
  let base: string;
  let browser: Browser;

  before(async function () {
    if (resolveBinaries(process.env).source.ffmpeg === 'npm') this.skip(); // the 2018 build cannot write the fragments (cmaf.test.ts)
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-player-'));
    const src = path.join(dir, 'src.mp4');
    await generateSample({ output: src, durationSec: 6, width: 320, height: 240, fps: 30, audio: true });
    pkg = await buildPackage(src, path.join(dir, 'pkg'), { segmentFrames: 60, renditions: selectRenditions(preset, 320, 240), preset });
    server = http.createServer(async (req, res) => {
      const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = url === '/' ? undefined : LIBS[url] ?? path.join(pkg.dir, path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
      try {
        const body = url === '/' ? Buffer.from(PAGE) : await readFile(file!);
        res.writeHead(200, { 'content-type': url === '/' ? 'text/html' : TYPES[path.extname(file!)] ?? 'application/octet-stream', 'access-control-allow-origin': '*' });
        res.end(body);
      } catch {
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
  for (const [player, manifest] of cases) {
    it(`${player === 'shaka' ? 'Shaka Player' : 'hls.js'} plays every variant of ${manifest} to the end`, async () => {
      const page = await browser.newPage();
      const console_: string[] = [];
      page.on('console', (m) => console_.push(m.text()));
      page.on('pageerror', (e) => console_.push(String(e)));
      await page.goto(base + '/');
      for (const r of pkg.renditions) {
        const what = `${player} ${manifest} ${r.name}`;
        // A stall from the media (a gap, a missing segment) happens on every play; one from a
        // starved CPU (2 cores shared with other work) does not: a play that stalled is played
        // once more, and must then play through. Errors, the end, the size and gaps never get a
        // second chance.
        for (let attempt = 1; ; attempt++) {
          const res = (await page.evaluate((p, u, h) => (window as unknown as { play: (a: string, b: string, c: number) => Promise<unknown> }).play(p, u, h), player, `${base}/${manifest}`, r.outHeight)) as {
            errors: string[]; waiting: number; cpuWaits: number; ended: boolean; timedOut?: boolean; heights: number[]; currentTime: number; duration: number; frames: number; stalls?: number; gaps?: number; variants?: number[];
          };
          console.log(`      ${what}: ended=${res.ended} t=${res.currentTime.toFixed(3)}/${res.duration.toFixed(3)} frames=${res.frames} waiting=${res.waiting} (cpu ${res.cpuWaits}) stalls=${res.stalls ?? '-'} gaps=${res.gaps ?? '-'} heights=${res.heights} load=${os.loadavg()[0].toFixed(1)}`);
          await page.reload();
          assert.deepEqual(res.errors, [], `${what}: no player error (${console_.slice(-5).join(' | ')})`);
          assert.ok(res.ended && !res.timedOut, `${what}: the end reached`);
          assert.ok(Math.abs(res.currentTime - 6) < 0.1, `${what}: ended at ${res.currentTime}s of 6s`);
          assert.equal(res.gaps ?? 0, 0, `${what}: no gap in the buffered timeline jumped by the player`);
          assert.deepEqual(res.heights, [r.outHeight], `${what}: only this variant on screen`);
          const stalled = res.waiting > 0 || (res.stalls ?? 0) > 0;
          if (!stalled) break;
          assert.ok(attempt < 2, `${what}: stalled on two plays in a row (waiting with nothing buffered ${res.waiting}, player stalls ${res.stalls ?? 0})`);
        }
      }
      await page.close();
    });
  }
});
