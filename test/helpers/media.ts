/** Measurements of media files for assertions: frame times, PSNR, durations, keyframes. */
import { readFile } from 'node:fs/promises';
import { resolveBinaries } from '../../src/media/binaries.js';
import { runProcess } from '../../src/media/runner.js';

const probe = async (args: string[]) => (await runProcess(resolveBinaries(process.env).ffprobe, ['-v', 'error', ...args], { timeoutMs: 300_000, captureStdout: true })).stdout;

/** Presentation times (s) of every decoded frame of the first video stream, in display order. */
export async function frameTimes(file: string): Promise<number[]> {
  const out = await probe(['-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file]);
  return out
    .split('\n')
    .map((l) => l.replace(/,+$/, '').trim())
    .filter((l) => l && l !== 'N/A')
    .map(Number);
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
