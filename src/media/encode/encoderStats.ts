/**
 * Fewer processes per segment: the frame count of every piece comes from the encoder's own
 * report (ffmpeg's final statistics) or from the fragment it wrote, instead of one ffprobe start
 * per rendition; and encoder threads are sized to the cores a worker really has.
 */
import { createFile, type MP4BoxBuffer } from 'mp4box';

/** What ffmpeg says it did for one output stream. */
export interface OutputStreamStats {
  /** Output file index (order of the outputs on the command line). */
  file: number;
  /** Stream index inside that output file. */
  stream: number;
  type: string;
  framesEncoded: number;
  packetsMuxed: number;
  bytes: number;
}

/**
 * The argument list with ffmpeg's log level raised to `verbose`: at that level (and not below)
 * ffmpeg prints, at exit, per output stream "N frames encoded; M packets muxed (B bytes)", in
 * 5.1 and in the 2018 build alike. Other verbose lines are a few per stream, not per frame.
 */
export function withFinalStats(args: string[]): string[] {
  const i = args.indexOf('-loglevel');
  if (i < 0) return ['-loglevel', 'verbose', ...args];
  const out = [...args];
  out[i + 1] = 'verbose';
  return out;
}

const FILE_RE = /^Output file #(\d+) /;
const STREAM_RE =
  /^\s*Output stream #(\d+):(\d+) \((\w+)\): (\d+) (?:frames|packets) encoded(?: \(\d+ samples\))?; (\d+) packets muxed \((\d+) bytes\)/;

/**
 * Collects the final statistics from ffmpeg's stderr lines (pass `onLine` as the runner's
 * onStderrLine, so nothing depends on the size of the kept stderr tail).
 */
export function finalStatsCollector(): { onLine: (line: string) => void; streams: OutputStreamStats[] } {
  const streams: OutputStreamStats[] = [];
  return {
    streams,
    onLine(line: string) {
      if (FILE_RE.test(line)) return;
      const m = STREAM_RE.exec(line);
      if (m) {
        streams.push({
          file: Number(m[1]),
          stream: Number(m[2]),
          type: m[3],
          framesEncoded: Number(m[4]),
          packetsMuxed: Number(m[5]),
          bytes: Number(m[6]),
        });
      }
    },
  };
}

/** Parses the final statistics out of a whole stderr text. */
export function parseFinalStats(stderr: string): OutputStreamStats[] {
  const c = finalStatsCollector();
  for (const l of stderr.split(/\r?\n/)) c.onLine(l);
  return c.streams;
}

/**
 * Video frames each output file received, by output index: the packets muxed into its video
 * stream (a NUT piece has no edit list, so every packet is a shown frame). Undefined for an
 * output ffmpeg did not report on (then the caller must count another way or fail).
 */
export function videoFramesPerOutput(stats: OutputStreamStats[], outputs: number): (number | undefined)[] {
  return Array.from({ length: outputs }, (_, f) => {
    const s = stats.filter((x) => x.file === f && x.type === 'video');
    return s.length === 1 ? s[0].packetsMuxed : undefined;
  });
}

/**
 * Samples per track in a CMAF/fMP4 fragment (moof + mdat, with or without its init segment),
 * summed over every trun, by track id: the frame count of a fragment without a process.
 */
export function countFragmentSamples(fragment: Uint8Array): Map<number, number> {
  const iso = createFile();
  const ab = fragment.buffer.slice(fragment.byteOffset, fragment.byteOffset + fragment.byteLength) as MP4BoxBuffer;
  ab.fileStart = 0;
  iso.appendBuffer(ab, true);
  const counts = new Map<number, number>();
  for (const moof of iso.moofs ?? []) {
    for (const traf of moof.trafs ?? []) {
      const id = traf.tfhd.track_id;
      const n = (traf.truns ?? []).reduce((a, t) => a + t.sample_count, 0);
      counts.set(id, (counts.get(id) ?? 0) + n);
    }
  }
  return counts;
}

/**
 * x264 threads per encoder in one segment process. A worker given `cores` runs
 * `concurrentWorkers` segment processes at once (the local Map runs one per core; a Lambda runs
 * one), each with `renditions` encoders. Left to itself x264 starts about 1.5 threads per core
 * for every encoder, which oversubscribes a small machine several times over (two segments of
 * three renditions on two cores: 18+ threads). With a core or less per process: one thread each,
 * the other processes fill the other cores. With more: the process's cores split among its
 * encoders, but at least two threads each, because ffmpeg (5.1) drives its encoders from one
 * thread and a single-threaded x264 encodes synchronously in it, so with one thread each the
 * encoders would take turns on one core; with frame threads they overlap.
 */
export function encoderThreads(p: { cores: number; concurrentWorkers: number; renditions: number }): number {
  const perWorker = p.cores / Math.max(1, p.concurrentWorkers);
  if (perWorker < 2) return 1;
  return Math.max(2, Math.round(perWorker / Math.max(1, p.renditions)));
}
