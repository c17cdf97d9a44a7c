import assert from 'node:assert/strict';
import { npmBinaries, resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { encoderInfo, parseFfmpegVersion } from '../../src/media/plan/encoders.js';

describe('ffmpeg version in job events', () => {
  it('reads the version token of Debian, git and release banners', () => {
    assert.equal(
      parseFfmpegVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers'),
      '5.1.9-0+deb12u1',
    );
    assert.equal(
      parseFfmpegVersion('ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright'),
      'N-47683-g0e8eb07980-static',
    );
    assert.equal(parseFfmpegVersion('not a banner'), 'unknown');
  });

  it('asks the ffmpeg in use, and each toolchain separately (the cached capability listing)', async () => {
    const sys = (await encoderInfo(resolveBinaries(process.env).ffmpeg)).ffmpegVersion;
    assert.match(sys, /^[\w.+~-]+$/, sys);
    const npm = npmBinaries();
    if (npm) assert.deepEqual(await encoderInfo(npm.ffmpeg), { ffmpegVersion: 'N-47683-g0e8eb07980-static' });
  });

  it('a binary that cannot run is "unknown", never a failed event', async () => {
    assert.match((await encoderInfo('/nonexistent/ffmpeg')).ffmpegVersion, /^unknown \(/);
  });
});

describe('the encoder version and the tracks through the state machine (real ASL, stub handlers)', () => {
  for (const engine of ['lambda', 'ecs']) {
    it(`${engine} path: EmitComplete gets the encoder and the tracks Publish reports`, async () => {
      const { jobInput, runAsl } = await import('../helpers/aslHarness.js');
      const encoder = { ffmpegVersion: '5.1.8-0+deb12u1' };
      const tracks = {
        audio: [{ id: 'audio', sourceIndex: 1, language: 'eng', channels: 2, default: true }],
        subtitles: [],
        skipped: [
          {
            sourceIndex: 3,
            type: 'subtitle',
            codec: 'hdmv_pgs_subtitle',
            reason: 'image subtitles (bitmaps) cannot become WebVTT text',
          },
        ],
      };
      const run = await runAsl(jobInput({ engine }), {
        Publish: () => ({
          outputs: [],
          encoder,
          tracks,
          verification: { status: 'PASSED', limits: {}, renditions: [] },
        }),
      });
      assert.equal(run.status, 'SUCCEEDED', String(run.error));
      const emit = run.calls.find((c) => c.state === 'EmitComplete');
      assert.deepEqual(emit?.input.encoder, encoder);
      assert.deepEqual(emit?.input.tracks, tracks, 'and the tracks it kept and skipped');
      const { EmitInputSchema } = await import('../../src/pipeline/steps/emit.js');
      assert.deepEqual(EmitInputSchema.parse(emit!.input).encoder, encoder, 'the emitter accepts it');
    });
  }
});
