/**
 * The poster and the sprite's tiles from the segment workers (src/media/stills/stills.ts): which
 * segment takes which frame, and the outputs that write them from the segment's own decode.
 */
import assert from 'node:assert/strict';
import { buildStillOutputs, planStills, tileCount } from '../../src/media/stills/stills.js';
import { ffArgs, ffInput, type FfOutput } from '../../src/media/ffmpeg/command.js';
import { planSegments } from '../../src/media/plan/plan.js';
import type { PacketIndex } from '../../src/media/probe/probe.js';

/** 25 fps in a 1/1000 time base, keyframes every 2 s. */
function index(seconds: number): PacketIndex {
  const pts = Array.from({ length: seconds * 25 }, (_, i) => i * 40);
  return { pts, dts: pts, duration: pts.map(() => 40), keyframes: pts.map((_, i) => i).filter((i) => i % 50 === 0) };
}

describe('stills from the segment workers (stills.ts)', () => {
  const idx = index(45);
  const plan = planSegments(idx, { num: 1, den: 1000 }, { segmentSeconds: 4 });

  it('tile k is the first frame at or after k x interval, taken by the segment that decodes it; one poster', () => {
    const stills = planStills(idx, plan, 10);
    assert.equal(tileCount(plan.durationSec, 10), 5);
    const tiles = stills.flatMap((s, seg) => s.tiles.map((t) => ({ ...t, seg })));
    assert.deepEqual(
      tiles.map((t) => t.k),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      tiles.map((t) => t.pts),
      [0, 10_000, 20_000, 30_000, 40_000],
    );
    for (const t of tiles) {
      const s = plan.segments[t.seg];
      assert.ok(t.pts >= s.startPts && t.pts < s.endPts, `tile ${t.k} in segment ${t.seg}`);
      assert.equal(t.j, (t.pts - s.startPts) / 40, 'its place in the segment');
    }
    const posters = stills.filter((s) => s.poster);
    assert.equal(posters.length, 1);
    // 10 % of 45 s is 4.5 s: the latest segment start at or before it.
    assert.equal(posters[0].poster!.pts, 4000);
  });

  it('a video shorter than one interval (one frame) gets one tile and the poster, both that frame', () => {
    const one: PacketIndex = { pts: [0], dts: [0], duration: [40], keyframes: [0] };
    const p = planSegments(one, { num: 1, den: 1000 }, { segmentSeconds: 4 });
    const stills = planStills(one, p, 10);
    assert.deepEqual(stills, [{ tiles: [{ k: 0, pts: 0, j: 0 }], poster: { pts: 0, j: 0 } }]);
  });

  it("a clip: tiles count from the clip's first frame", () => {
    const clip = planSegments(idx, { num: 1, den: 1000 }, { segmentSeconds: 4, clip: { start: 5.02, end: 25 } });
    const tiles = planStills(idx, clip, 10).flatMap((s) => s.tiles);
    assert.deepEqual(
      tiles.map((t) => t.pts),
      [clip.startPts, clip.startPts + 10_000],
    );
  });

  it('outputs: distinct tile frames by pts on a range read, by frame number after the skip on a split piece, rotated there; the poster as PNG', () => {
    const stills = {
      tiles: [
        { k: 3, pts: 1200, j: 30 },
        { k: 4, pts: 1200, j: 30 },
        { k: 5, pts: 2400, j: 60 },
      ],
      poster: { pts: 0, j: 0 },
    };
    const common = {
      stills,
      rotation: 90,
      colour: ['zscale=x', 'format=yuv420p'],
      tile: { width: 160, height: 90, pattern: '/d/tile_%05d.jpg' },
      poster: '/d/poster.png',
    };
    const input = ffInput('/d/in.mp4');
    // The outputs as the segment's command writes them (its input first).
    const render = (outs: FfOutput[]) => ffArgs({ global: [], inputs: [input], outputs: outs }).slice(2);
    const ranged = render(buildStillOutputs({ ...common, video: { input, stream: '1' }, by: { pts: true } }));
    const vfs = ranged.filter((_, i) => ranged[i - 1] === '-vf');
    assert.equal(
      vfs[0],
      'select=eq(pts\\,1200)+eq(pts\\,2400),zscale=x,format=yuv420p,scale=160:90:force_original_aspect_ratio=decrease,pad=160:90:(ow-iw)/2:(oh-ih)/2',
    );
    assert.equal(vfs[1], 'select=eq(pts\\,0),zscale=x,format=yuv420p');
    assert.deepEqual(
      ranged.filter((_, i) => ranged[i - 1] === '-frames:v'),
      ['2', '1'],
    );
    assert.deepEqual(
      ranged.filter((_, i) => ranged[i - 1] === '-map'),
      ['0:1', '0:1'],
    );
    assert.equal(ranged.at(-1), '/d/poster.png');
    const split = render(buildStillOutputs({ ...common, video: { input, stream: 'v:0' }, by: { n: true, skip: 7 } }));
    const svf = split.filter((_, i) => split[i - 1] === '-vf');
    assert.match(svf[0], /^select=eq\(n\\,37\)\+eq\(n\\,67\),transpose=clock,zscale=x/);
    assert.match(svf[1], /^select=eq\(n\\,7\),transpose=clock/);
    assert.deepEqual(
      buildStillOutputs({ ...common, stills: { tiles: [] }, video: { input, stream: '1' }, by: { pts: true } }),
      [],
    );
  });
});
