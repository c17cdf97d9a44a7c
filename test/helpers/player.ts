/**
 * The player rig of the e2e player tests: a page that plays one URL with Shaka Player or hls.js
 * pinned to one variant (`window.play`), a loopback HTTP server over a folder of packages (byte
 * ranges answered with 206, as a CDN does: HLS byte-range playlists need them) and headless
 * Debian Chromium driven by puppeteer-core (no browser downloaded).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer, { type Browser } from 'puppeteer-core';

const require = createRequire(import.meta.url);
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const LIBS: Record<string, string> = {
  '/lib/shaka.js': require.resolve('shaka-player/dist/shaka-player.compiled.js'),
  '/lib/hls.js': require.resolve('hls.js/dist/hls.min.js'),
};

export const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.vtt': 'text/vtt',
  '.js': 'text/javascript',
  '.html': 'text/html',
};

/** The page: plays one URL with one player pinned to one variant, resolves with what happened. */
export const PAGE = `<!doctype html><html><body><video id="v" muted playsinline></video>
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
    // A non-fatal buffer stall is the player waiting for data (a busy CPU serving it), counted as a
    // wait like the video element's 'waiting'; any other hls.js error, fatal or not, is a failure.
    h.on(Hls.Events.ERROR, (_e, d) => { if (!d.fatal && d.details === 'bufferStalledError') { r.waiting++; return; } r.errors.push('hls.js ' + d.type + ' ' + d.details + (d.fatal ? ' fatal' : '')); });
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

/** What one play reports (window.play's result). */
export interface PlayResult {
  errors: string[];
  waiting: number;
  cpuWaits: number;
  ended: boolean;
  timedOut?: boolean;
  heights: number[];
  currentTime: number;
  duration: number;
  frames: number;
  stalls?: number;
  gaps?: number;
  variants?: number[];
  audioLanguages: string[];
  audioPlayed?: string;
  textLanguages: string[];
  cues: number;
}

/**
 * Serves `root` (and the page and player libraries) on a loopback port and launches Chromium;
 * requests for missing files are pushed to `missing`; `ranges` counts the byte-range requests.
 */
export async function startPlayerRig(
  root: string,
  profileDir: string,
  missing: string[],
  ranges: string[] = [],
): Promise<{ server: http.Server; base: string; browser: Browser }> {
  const server = http.createServer(async (req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file =
      url === '/' ? undefined : (LIBS[url] ?? path.join(root, path.normalize(url).replace(/^(\.\.[/\\])+/, '')));
    try {
      const body = url === '/' ? Buffer.from(PAGE) : await readFile(file!);
      const headers = {
        'content-type': url === '/' ? 'text/html' : (TYPES[path.extname(file!)] ?? 'application/octet-stream'),
        'access-control-allow-origin': '*',
        'accept-ranges': 'bytes',
      };
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
        if (start > end) {
          res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
          return;
        }
        ranges.push(`${url} ${start}-${end}`);
        res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${body.length}` });
        res.end(body.subarray(start, end + 1));
        return;
      }
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      missing.push(url);
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profileDir,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  return { server, base, browser };
}
