import { resolveBinaries } from './binaries.js';
import { runProcess } from './runner.js';

/** Counts the video packets of a local file without decoding (one packet per frame here). */
export async function countVideoPackets(file: string, timeoutMs = 60_000): Promise<number> {
  const r = await runProcess(
    resolveBinaries().ffprobe,
    ['-v', 'error', '-protocol_whitelist', 'file', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file],
    { timeoutMs, captureStdout: true },
  );
  return Number(r.stdout.trim().split(/[\s,]+/)[0]);
}

/** Duration, size and stream facts of a finished output. */
export async function describeOutput(file: string, timeoutMs = 60_000): Promise<{ durationSec: number; width: number; height: number; bitRate: number }> {
  const r = await runProcess(
    resolveBinaries().ffprobe,
    ['-v', 'error', '-protocol_whitelist', 'file', '-print_format', 'json', '-show_format', '-show_streams', file],
    { timeoutMs, captureStdout: true },
  );
  const j = JSON.parse(r.stdout) as { format?: { duration?: string }; streams?: { codec_type?: string; width?: number; height?: number; bit_rate?: string }[] };
  const v = j.streams?.find((s) => s.codec_type === 'video');
  return { durationSec: Number(j.format?.duration ?? 0), width: v?.width ?? 0, height: v?.height ?? 0, bitRate: Number(v?.bit_rate ?? 0) };
}
