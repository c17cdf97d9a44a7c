/**
 * The correctness contract of every output (README, "Outputs and guarantees"), checked frame by frame against the
 * source: shared by the Lambda path (test/e2e/pipeline.test.ts) and the ECS path
 * (test/e2e/ecs.test.ts), which must produce outputs that pass the same checks.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { frameTimes, keyframeTimes, psnrPerFrame, streams, topLevelBoxes } from './media.js';
import { readFile } from 'node:fs/promises';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import type { JobEventDetail } from '../../src/pipeline/events.js';

/** Checks one job's renditions against its source; returns the measured figures. */
export async function checkContract(
  src: string,
  outDir: string,
  /** Each rendition; `probeCodec` (ffprobe's codec name) when it is not the job's (a ladder that mixes codecs). */
  outputs: { name: string; width?: number; height?: number; probeCodec?: string }[],
  expectAudio: boolean,
  opts: { codec?: string } = {},
) {
  const srcTimes = await frameTimes(src);
  const gaps = srcTimes.slice(1).map((t, i) => t - srcTimes[i]);
  const maxGap = Math.max(...gaps);
  const medianGap = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
  const expectedDuration = srcTimes[srcTimes.length - 1] - srcTimes[0] + medianGap;
  const keyframeSets: number[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const o of outputs) {
    const file = path.join(outDir, o.name);
    const t = await frameTimes(file);
    assert.equal(t.length, srcTimes.length, `${o.name}: frame count`);
    let worst = 0;
    for (let i = 0; i < t.length; i++) worst = Math.max(worst, Math.abs(t[i] - t[0] - (srcTimes[i] - srcTimes[0])));
    assert.ok(worst < 1e-4, `${o.name}: every frame at its source time (worst drift ${worst}s)`);
    const psnr = await psnrPerFrame(file, src, o.width!, o.height!);
    assert.equal(psnr.length, srcTimes.length, `${o.name}: PSNR for every frame`);
    const minPsnr = Math.min(...psnr);
    assert.ok(
      minPsnr > 30,
      `${o.name}: worst frame PSNR ${minPsnr.toFixed(1)} dB (a frame from the wrong place scores far lower)`,
    );
    const st = await streams(file);
    const v = st.find((s) => s.codecType === 'video')!;
    const a = st.find((s) => s.codecType === 'audio');
    assert.equal(v.codec, o.probeCodec ?? opts.codec ?? 'h264', `${o.name}: codec`);
    assert.deepEqual([v.width, v.height], [o.width, o.height]);
    assert.ok(
      Math.abs(v.duration - expectedDuration) <= maxGap + 1e-3,
      `${o.name}: video duration ${v.duration} vs ${expectedDuration}`,
    );
    if (expectAudio) {
      assert.ok(a, `${o.name}: has audio`);
      // A fragmented MP4 hides the AAC priming with an edit list: ffprobe then reports the
      // priming packet before zero and counts it in the duration; what plays starts at zero.
      if (a.startTime < 0 && a.startTime > -2048 / 48000) {
        a.duration += a.startTime;
        a.startTime = 0;
      }
      assert.equal(a.channels, 2);
      assert.ok(Math.abs(a.startTime - v.startTime) < 1e-3, `${o.name}: A/V start offset ${a.startTime - v.startTime}`);
      assert.ok(
        Math.abs(a.duration - expectedDuration) <= 1024 / 48000 + 1e-3,
        `${o.name}: audio ${a.duration}s vs video ${expectedDuration}s`,
      );
      const endOffset = a.startTime + a.duration - (v.startTime + v.duration);
      assert.ok(Math.abs(endOffset) <= maxGap + 1e-3, `${o.name}: A/V end offset ${endOffset}`);
    } else assert.equal(a, undefined, `${o.name}: no audio stream`);
    const boxes = await topLevelBoxes(file);
    assert.ok(boxes.indexOf('moov') < boxes.indexOf('mdat'), `${o.name}: faststart (moov before mdat)`);
    keyframeSets.push(await keyframeTimes(file));
    figures.push({ name: o.name, frames: t.length, minPsnr: Number(minPsnr.toFixed(2)), worstDrift: worst });
  }
  for (const k of keyframeSets.slice(1)) assert.deepEqual(k, keyframeSets[0], 'keyframes aligned across renditions');
  return figures;
}

// ffmpeg's DASH reader refuses to open a WebVTT sidecar (`.vtt` is not in its allowed_extensions)
// and then the whole MPD; players read them. An MPD is read with every extension allowed.
const probeJson = async (args: string[]) =>
  JSON.parse(
    (
      await runProcess(
        resolveBinaries(process.env).ffprobe,
        [
          '-v',
          'error',
          '-protocol_whitelist',
          'file',
          ...(args.at(-1)!.endsWith('.mpd') ? ['-allowed_extensions', 'ALL'] : []),
          '-print_format',
          'json',
          ...args,
        ],
        { timeoutMs: 300_000, captureStdout: true },
      )
    ).stdout,
  );

/** Frames (display order) of one stream of a playlist or MPD: time and keyframe flag. */
async function streamFrames(url: string, stream: string): Promise<{ t: number; key: boolean }[]> {
  const j = await probeJson([
    '-select_streams',
    stream,
    '-show_entries',
    'frame=best_effort_timestamp_time,key_frame',
    url,
  ]);
  return (j.frames as { best_effort_timestamp_time: string; key_frame: number }[]).map((f) => ({
    t: Number(f.best_effort_timestamp_time),
    key: f.key_frame === 1,
  }));
}

/**
 * The contract read the way a viewer's player reads it: every HLS variant and DASH
 * representation, through its manifest, has exactly the source's frames at the source's times
 * (relative to the first), keyframes aligned across variants; declared RESOLUTION and CODECS
 * equal the real streams; BANDWIDTH at least the measured peak segment bit rate; the audio
 * rendition present and as long as the video within one AAC frame.
 */
export async function checkStreaming(
  src: string,
  outDir: string,
  renditions: string[],
  expectAudio: boolean,
  opts: { codec?: string } = {},
) {
  const srcT = await frameTimes(src);
  const rel = (ts: number[]) => ts.map((t) => t - ts[0]);
  const master = await readFile(path.join(outDir, 'hls', 'master.m3u8'), 'utf8');
  const mpd = await readFile(path.join(outDir, 'dash', 'manifest.mpd'), 'utf8');
  const keySets: number[][] = [];
  const reads: [string, string, string][] = [];
  renditions.forEach((r, i) => {
    reads.push([`HLS ${r}`, path.join(outDir, 'hls', `${r}.m3u8`), 'v:0']);
    reads.push([`DASH ${r}`, path.join(outDir, 'dash', 'manifest.mpd'), `v:${i}`]);
  });
  // ffmpeg's HLS and DASH demuxers re-derive decode times per fragment from signed composition
  // offsets, so for variable frame rate with B-frames they show a fragment up to its reorder
  // delay off (players use tfdt + offset: exact). So: through the manifest, the frame count and
  // keyframes; and the bytes the manifest names, joined as a player's buffer joins them (init,
  // then every fragment in order), read as one stream: every frame at its source time.
  const { writeFile: write, mkdtemp, rm: remove } = await import('node:fs/promises');
  const os = await import('node:os');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'mt-joined-'));
  try {
    for (const [what, url, stream] of reads) {
      const f = await streamFrames(url, stream);
      assert.equal(f.length, srcT.length, `${what}: frame count through the manifest`);
      assert.equal(
        f.filter((x) => x.key).length,
        f.length &&
          (await streamFrames(path.join(outDir, 'hls', `${what.split(' ')[1]}.m3u8`), 'v:0')).filter((x) => x.key)
            .length,
        `${what}: keyframes`,
      );
    }
    for (const r of renditions) {
      const pl = await readFile(path.join(outDir, 'hls', `${r}.m3u8`), 'utf8');
      const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(pl)![1];
      const segs = [...pl.matchAll(/#EXTINF:[\d.]+,\n([^\n]+)/g)].map((m) => m[1]);
      const joined = path.join(tmp, `${r}.mp4`);
      await write(
        joined,
        Buffer.concat(await Promise.all([init, ...segs].map((x) => readFile(path.join(outDir, 'hls', x))))),
      );
      const f = await streamFrames(joined, 'v:0');
      assert.equal(f.length, srcT.length, `${r}: frames in the fragments the manifest names`);
      const got = rel(f.map((x) => x.t));
      const worst = Math.max(...got.map((t, i) => Math.abs(t - (srcT[i] - srcT[0]))));
      assert.ok(
        worst < 1e-4,
        `${r}: every frame of the fragments at its source time, no gap or duplicate at a join (worst drift ${worst}s)`,
      );
      keySets.push(got.filter((_, i) => f[i].key));
    }
  } finally {
    await remove(tmp, { recursive: true, force: true });
  }
  for (const k of keySets) assert.deepEqual(k, keySets[0], 'keyframes aligned across variants');
  for (const r of renditions) {
    const inf = new RegExp(`#EXT-X-STREAM-INF:([^\\n]+)\\n${r}\\.m3u8`).exec(master)?.[1];
    assert.ok(inf, `${r} in the master playlist`);
    const attr = (k: string) => new RegExp(`(?:^|,)${k}=("[^"]*"|[^,]*)`).exec(inf)?.[1]?.replace(/"/g, '');
    const st = (
      await probeJson([
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=width,height,codec_name',
        path.join(outDir, 'hls', `${r}.m3u8`),
      ])
    ).streams[0];
    assert.equal(attr('RESOLUTION'), `${st.width}x${st.height}`, `${r}: RESOLUTION`);
    const vc = attr('CODECS')!.split(',')[0];
    const family: Record<string, string> = { h264: 'avc1.', hevc: 'hvc1.', av1: 'av01.' };
    assert.equal(vc.slice(0, 5), family[st.codec_name], `${r}: CODECS ${vc} for ${st.codec_name}`);
    if (opts.codec) assert.equal(st.codec_name, opts.codec);
    const pl = await readFile(path.join(outDir, 'hls', `${r}.m3u8`), 'utf8');
    const durs = [...pl.matchAll(/#EXTINF:([\d.]+),\n([^\n]+)/g)].map((m) => ({
      d: Number(m[1]),
      file: path.join(outDir, 'hls', m[2]),
    }));
    const { stat } = await import('node:fs/promises');
    const peak = Math.max(...(await Promise.all(durs.map(async (x) => ((await stat(x.file)).size * 8) / x.d))));
    assert.ok(
      Number(attr('BANDWIDTH')) >= peak,
      `${r}: BANDWIDTH ${attr('BANDWIDTH')} >= measured video peak ${peak.toFixed(0)}`,
    );
    const rep = new RegExp(
      `<Representation id="${r}" bandwidth="(\\d+)" codecs="([^"]+)" width="(\\d+)" height="(\\d+)"`,
    ).exec(mpd);
    assert.ok(rep, `${r} in the MPD`);
    assert.equal(rep[2], vc, `${r}: DASH codecs`);
    assert.deepEqual([Number(rep[3]), Number(rep[4])], [st.width, st.height]);
    assert.ok(Number(rep[1]) >= peak, `${r}: DASH bandwidth >= measured peak`);
  }
  if (expectAudio) {
    assert.match(master, /#EXT-X-MEDIA:TYPE=AUDIO/);
    const a = await probeJson([
      '-select_streams',
      'a:0',
      '-show_entries',
      'stream=duration,channels:format=duration',
      path.join(outDir, 'hls', 'audio.m3u8'),
    ]);
    const dur = Number(a.format.duration);
    // The last frame's duration taken as the median gap, not the first (a phone's first frame
    // may last 184 ms where the others last 33).
    const gaps = srcT
      .slice(1)
      .map((t, i) => t - srcT[i])
      .sort((x, y) => x - y);
    const expected = srcT[srcT.length - 1] - srcT[0] + gaps[Math.floor(gaps.length / 2)];
    assert.ok(Math.abs(dur - expected) <= 2 * (1024 / 48000) + 0.05, `audio rendition ${dur}s vs video ${expected}s`);
  } else assert.doesNotMatch(master, /TYPE=AUDIO/);
}

/**
 * A COMPLETE event proves what the job made (src/pipeline/verify.ts): one verification entry per
 * video rendition it lists, every frame in and out, at its source time, the pieces joined and
 * checked, keyframes aligned, every planned frame measured at or above the floors; the A/V
 * offsets within their limits when there is audio. Called for every e2e job's final event.
 */
export function checkVerification(detail: JobEventDetail): void {
  if (detail.status !== 'COMPLETE') return;
  const v = detail.verification;
  assert.ok(v, 'COMPLETE carries its verification');
  assert.equal(v.status, 'PASSED');
  const named = [
    ...new Set(
      (detail.outputs ?? [])
        .filter((o) => o.rendition && (o.type === 'video' || o.type === 'cmaf'))
        .map((o) => o.rendition!),
    ),
  ].sort();
  assert.deepEqual(v.renditions.map((r) => r.name).sort(), named, 'one verification entry per rendition');
  for (const r of v.renditions) {
    const frames = (detail.outputs ?? []).find((o) => o.rendition === r.name && o.frames)?.frames;
    assert.equal(r.framesOut, r.framesIn, `${r.name}: frames out = frames in`);
    if (frames !== undefined) assert.equal(r.framesOut, frames, `${r.name}: the frames the outputs list`);
    assert.ok(
      r.maxTimestampErrorMs === 0,
      `${r.name}: every frame at its source tick (error ${r.maxTimestampErrorMs} ms)`,
    );
    assert.ok(
      r.piecesChecked >= 1 && r.joinsChecked >= r.piecesChecked - 1,
      `${r.name}: ${r.piecesChecked} pieces, ${r.joinsChecked} joins checked`,
    );
    assert.equal(r.keyframesAligned, true);
    assert.ok(r.quality.framesMeasured >= r.piecesChecked, `${r.name}: at least one frame measured per piece`);
    assert.ok(
      r.quality.ssimMin >= v.limits.minSsim && r.quality.psnrMinDb >= v.limits.minPsnrDb,
      `${r.name}: SSIM ${r.quality.ssimMin}, PSNR ${r.quality.psnrMinDb} dB`,
    );
    if (r.avStartOffsetMs !== undefined) {
      assert.ok(
        Math.abs(r.avStartOffsetMs) <= v.limits.maxAvStartOffsetMs!,
        `${r.name}: A/V start ${r.avStartOffsetMs} ms`,
      );
      assert.ok(Math.abs(r.avEndOffsetMs!) <= v.limits.maxAvEndOffsetMs!, `${r.name}: A/V end ${r.avEndOffsetMs} ms`);
    }
  }
}
