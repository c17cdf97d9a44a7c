import { runProcess } from './runner.js';

/**
 * Counts the video frames a player will show, without decoding: packets, less those the
 * container marks discarded (flag D, outside an MP4 edit list).
 */
export async function countVideoPackets(ffprobe: string, file: string, timeoutMs = 60_000): Promise<number> {
  const r = await runProcess(
    ffprobe,
    ['-v', 'error', '-protocol_whitelist', 'file', '-format_whitelist', 'nut,mov,mp4,m4a,3gp,3g2,mj2', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file],
    { timeoutMs, captureStdout: true },
  );
  return r.stdout.split('\n').filter((l) => l.trim() && !l.includes('D')).length;
}
