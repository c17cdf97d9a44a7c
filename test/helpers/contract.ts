/**
 * The correctness contract of every output (README, "Outputs and guarantees"), checked frame by frame against the
 * source: shared by the Lambda path (test/e2e/pipeline.test.ts) and the ECS path
 * (test/e2e/ecs.test.ts), which must produce outputs that pass the same checks.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { frameTimes, keyframeTimes, psnrPerFrame, streams, topLevelBoxes } from './media.js';

/** Checks one job's renditions against its source; returns the measured figures. */
export async function checkContract(src: string, outDir: string, outputs: { name: string; width?: number; height?: number }[], expectAudio: boolean, opts: { codec?: string } = {}) {
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
    assert.ok(minPsnr > 30, `${o.name}: worst frame PSNR ${minPsnr.toFixed(1)} dB (a frame from the wrong place scores far lower)`);
    const st = await streams(file);
    const v = st.find((s) => s.codecType === 'video')!;
    const a = st.find((s) => s.codecType === 'audio');
    assert.equal(v.codec, opts.codec ?? 'h264');
    assert.deepEqual([v.width, v.height], [o.width, o.height]);
    assert.ok(Math.abs(v.duration - expectedDuration) <= maxGap + 1e-3, `${o.name}: video duration ${v.duration} vs ${expectedDuration}`);
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
      assert.ok(Math.abs(a.duration - expectedDuration) <= 1024 / 48000 + 1e-3, `${o.name}: audio ${a.duration}s vs video ${expectedDuration}s`);
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
