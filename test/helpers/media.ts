/** Measurements of media files for assertions: frame times, PSNR, durations, keyframes. */
import { readFile } from 'node:fs/promises';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';

const probe = async (args: string[]) =>
  (
    await runProcess(resolveBinaries(process.env).ffprobe, ['-v', 'error', ...args], {
      timeoutMs: 300_000,
      captureStdout: true,
    })
  ).stdout;

/** Presentation times (s) of every decoded frame of the first video stream, in display order. */
export async function frameTimes(file: string): Promise<number[]> {
  const out = await probe([
    '-select_streams',
    'v:0',
    '-show_entries',
    'frame=best_effort_timestamp_time',
    '-of',
    'csv=p=0',
    file,
  ]);
  const all = out
    .split('\n')
    .map((l) => l.replace(/,+$/, '').trim())
    .filter((l) => l);
  const t = all.filter((l) => l !== 'N/A').map(Number);
  // The frame a delayed decoder flushes last (packed B-frames of an AVI, whose packets have no
  // pts) has no timestamp but is a source frame: it follows the last one by the last gap.
  if (all.at(-1) === 'N/A' && all.at(-2) !== 'N/A' && t.length >= 2) t.push(2 * t[t.length - 1] - t[t.length - 2]);
  return t;
}

/**
 * Counts the video frames a player will show, without decoding: packets, less those the
 * container marks discarded (flag D, outside an MP4 edit list). `ffprobe` is the toolchain's.
 */
export async function countVideoPackets(ffprobe: string, file: string, timeoutMs = 60_000): Promise<number> {
  const r = await runProcess(
    ffprobe,
    [
      '-v',
      'error',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'nut,mov,mp4,m4a,3gp,3g2,mj2',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=flags',
      '-of',
      'csv=p=0',
      file,
    ],
    { timeoutMs, captureStdout: true },
  );
  return r.stdout.split('\n').filter((l) => l.trim() && !l.includes('D')).length;
}

/** Times of keyframes (packets flagged K) of the first video stream. */
export async function keyframeTimes(file: string): Promise<number[]> {
  const out = await probe(['-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file]);
  return out
    .split('\n')
    .filter((l) => l.includes('K'))
    .map((l) => Number(l.split(',')[0]))
    .sort((a, b) => a - b);
}

export interface StreamFacts {
  codecType: string;
  codec: string;
  startTime: number;
  duration: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  frames?: number;
}

/** Per-stream start, duration and format facts. */
export async function streams(file: string): Promise<StreamFacts[]> {
  const j = JSON.parse(await probe(['-print_format', 'json', '-show_streams', '-show_format', file])) as {
    streams: Record<string, string | number>[];
  };
  return j.streams.map((s) => ({
    codecType: String(s.codec_type),
    codec: String(s.codec_name),
    startTime: Number(s.start_time),
    duration: Number(s.duration),
    width: s.width as number | undefined,
    height: s.height as number | undefined,
    sampleRate: s.sample_rate ? Number(s.sample_rate) : undefined,
    channels: s.channels as number | undefined,
    frames: s.nb_frames ? Number(s.nb_frames) : undefined,
  }));
}

/**
 * Per-frame PSNR (dB, luma+chroma average) of `file` against `reference` scaled to the same
 * size, frames paired by timestamp after both start at zero. One value per output frame.
 */
export async function psnrPerFrame(file: string, reference: string, width: number, height: number): Promise<number[]> {
  const graph = `[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS,scale=${width}:${height},format=yuv420p[b];[a][b]psnr=stats_file=-`;
  const r = await runProcess(
    resolveBinaries(process.env).ffmpeg,
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-i', reference, '-lavfi', graph, '-f', 'null', '-'],
    { timeoutMs: 300_000, captureStdout: true },
  );
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('n:'))
    .map((l) => {
      const m = /psnr_avg:(\S+)/.exec(l);
      return m ? (m[1] === 'inf' ? 100 : Number(m[1])) : NaN;
    });
}

/** Top-level MP4 box types in file order (faststart puts moov before mdat). */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const buf = await readFile(file);
  const out: string[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    let size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(off + 8));
    if (size === 0) size = buf.length - off;
    out.push(type);
    if (size < 8) break;
    off += size;
  }
  return out;
}

/** The subtitles of tracksFixture: two cues, the second with markup. */
export const FIXTURE_SRT = `1
00:00:00,400 --> 00:00:01,000
Hello

2
00:00:01,500 --> 00:00:02,250
<i>Second</i> line
`;

/**
 * A source with two audio languages (English stereo "English", French 5.1 "Français 5.1") and
 * English subtitles (FIXTURE_SRT): SRT in Matroska, mov_text in MP4 (by the output's extension).
 */
export async function tracksFixture(
  output: string,
  p: { width: number; height: number; durationSec: number; fps?: number },
): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const srt = `${output}.srt`;
  await writeFile(srt, FIXTURE_SRT);
  const fps = p.fps ?? 25;
  await runProcess(
    resolveBinaries(process.env).ffmpeg,
    [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${p.width}x${p.height}:rate=${fps}`,
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=660:sample_rate=48000',
      '-i',
      srt,
      '-t',
      String(p.durationSec),
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-map',
      '2:a',
      '-map',
      '3:s',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      String(fps),
      '-c:a',
      'aac',
      '-ac:a:0',
      '2',
      '-ac:a:1',
      '6',
      '-c:s',
      output.endsWith('.mkv') ? 'srt' : 'mov_text',
      '-metadata:s:a:0',
      'language=eng',
      '-metadata:s:a:0',
      'title=English',
      '-metadata:s:a:0',
      'handler_name=English',
      '-metadata:s:a:1',
      'language=fra',
      '-metadata:s:a:1',
      'title=Français 5.1',
      '-metadata:s:a:1',
      'handler_name=Français 5.1',
      '-metadata:s:s:0',
      'language=eng',
      output,
    ],
    { timeoutMs: 120_000 },
  );
}
