/**
 * The whole pipeline on the local stack, with real ffmpeg, s3rver and the real ASL file,
 * once per available toolchain (the system's ffmpeg and the npm-shipped static builds).
 * Every rendition is checked against the correctness contract (README, "Outputs and guarantees").
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile, readFile, truncate } from 'node:fs/promises';
import { createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStack } from '../../src/local/stack.js';
import { resolveBinaries, npmBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { generateSample, type SampleSpec } from '../../src/media/package/sample.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { downloadFile, listKeys } from '../../src/aws/s3.js';
import { checkContract, checkStreaming } from '../helpers/contract.js';
import { runJob, objectBytes, keysUnder } from '../helpers/stack.js';
import { eventSchemaErrors } from '../helpers/eventSchema.js';

const toolchains: { label: string; bins: Binaries }[] = [];
const resolved = resolveBinaries(process.env);
toolchains.push({ label: `${resolved.source.ffmpeg} ffmpeg`, bins: resolved });
const shipped = npmBinaries();
if (shipped && shipped.ffmpeg !== resolved.ffmpeg) toolchains.push({ label: 'npm-shipped ffmpeg', bins: shipped });

for (const tc of toolchains) {
  describe(`pipeline on the local stack (${tc.label})`, function () {
    this.timeout(600_000);
    let dir: string;
    let stack: LocalStack;
    let logStream: WriteStream;
    let n = 0;
    const src = (name: string) => path.join(dir, name);

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mt-e2e-'));
      logStream = createWriteStream(path.join(dir, 'log.jsonl'));
      const logSink = (l: string) => logStream.write(`${l}\n`);
      stack = await LocalStack.start({ dataDir: path.join(dir, 'stack'), binaries: tc.bins, logSink });
    });
    after(async () => {
      await stack?.stop();
      if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
    });

    async function transcodeAndCheck(
      spec: Omit<SampleSpec, 'output'>,
      meta: Record<string, string>,
      expectOutputs: string[],
    ) {
      const file = src(`in-${++n}.mp4`);
      await generateSample({ ...spec, output: file });
      const before = await readFile(file);
      const key = `uploads/${n}-${path.basename(file)}`;
      const { jobId, detail, events } = await runJob(stack, file, key, meta);
      assert.equal(detail.status, 'COMPLETE', `${detail.errorCode}: ${detail.errorMessage}`);
      assert.equal(
        events.filter((e) => ['COMPLETE', 'ERROR'].includes((e.detail as { status: string }).status)).length,
        1,
        'exactly one final event',
      );
      for (const e of events)
        assert.deepEqual(eventSchemaErrors(e), [], 'event matches docs/schemas/job-event.schema.json');
      const progressing = events.filter((e) => (e.detail as { status: string }).status === 'PROGRESSING');
      assert.equal(progressing.length, 1, 'one PROGRESSING event');
      assert.ok(
        events.indexOf(progressing[0]) <
          events.indexOf(events.find((e) => (e.detail as { status: string }).status === 'COMPLETE')!),
      );
      assert.ok((progressing[0].detail as { progress: { segmentsTotal: number } }).progress.segmentsTotal >= 1);
      // Progress: at most one STATUS_UPDATE per 10 % step, between PROGRESSING and COMPLETE, rising.
      const updates = events
        .filter((e) => (e.detail as { status: string }).status === 'STATUS_UPDATE')
        .map((e) => (e.detail as { jobPercentComplete: number }).jobPercentComplete);
      assert.ok(updates.length <= 10, `${updates.length} STATUS_UPDATE events`);
      assert.equal(
        new Set(updates.map((p) => Math.floor(p / 10))).size,
        updates.length,
        `one per step: ${updates.join(',')}`,
      );
      assert.ok(updates.every((p) => p >= 10 && p <= 99));
      const videos = (detail.outputs ?? []).filter((o) => o.type === 'video');
      assert.deepEqual(videos.map((o) => o.name).sort(), expectOutputs.map((r) => `mp4/${r}.mp4`).sort());
      const hasAudio = spec.audio !== false && spec.audio !== undefined;
      const names = (detail.outputs ?? []).map((o) => o.name);
      // Manifests first, then the downloads, the CMAF folders, the pictures.
      assert.deepEqual(names.slice(0, 2), [
        'hls/master.m3u8',
        ...(expectOutputs.length ? [`hls/${[...expectOutputs].sort()[0]}.m3u8`] : []),
      ]);
      assert.deepEqual(
        names.filter((x) => x.startsWith('cmaf/')).sort(),
        [...(hasAudio ? ['cmaf/audio/'] : []), ...expectOutputs.map((r) => `cmaf/${r}/`)].sort(),
      );
      assert.ok(names.includes('dash/manifest.mpd'));
      for (const x of ['poster.jpg', 'sprite.jpg', 'thumbnails.vtt']) assert.ok(names.includes(x), x);
      const outDir = src(`out-${n}`);
      for (const o of await listKeys(stack.s3, stack.config.OUTPUT_BUCKET, `${jobId}/`)) {
        const f = path.join(outDir, o.key.slice(jobId.length + 1));
        await mkdir(path.dirname(f), { recursive: true });
        await downloadFile(stack.s3, { bucket: stack.config.OUTPUT_BUCKET, key: o.key }, f);
      }
      for (const o of detail.outputs ?? [])
        if (!o.name.endsWith('/'))
          assert.equal((await readFile(path.join(outDir, o.name))).length, o.sizeBytes, `${o.name}: size in the event`);
      assert.deepEqual(await objectBytes(stack, stack.config.INGEST_BUCKET, key), before, 'source untouched');
      assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${jobId}/`), [], 'work prefix cleaned');
      const vtt = await readFile(path.join(outDir, 'thumbnails.vtt'), 'utf8');
      assert.match(vtt, /^WEBVTT\n\n00:00:00\.000 --> /);
      await checkStreaming(file, outDir, expectOutputs, hasAudio);
      return { figures: await checkContract(file, outDir, videos, hasAudio), detail };
    }

    // Every output is made from CMAF fragments; an ffmpeg that cannot write them with source
    // timing (the npm-shipped 2018 build) is refused at planning, before anything is encoded.
    if (tc.bins.source.ffmpeg === 'npm') {
      it('an ffmpeg that cannot write CMAF right: one ERROR (ENCODER_UNAVAILABLE) at Plan, nothing encoded or published', async () => {
        const file = src(`in-${++n}.mp4`);
        await generateSample({ durationSec: 3, width: 320, height: 240, fps: 25, audio: true, output: file });
        const { jobId, detail, events } = await runJob(stack, file, `uploads/${n}-old.mp4`, {
          preset: 'h264-single-480p',
        });
        assert.equal(detail.status, 'ERROR');
        assert.equal(detail.errorCode, 'ENCODER_UNAVAILABLE');
        assert.match(detail.errorMessage!, /cannot write CMAF fragments.*ffmpeg 5\.1 or newer/);
        assert.equal(
          events.filter((e) => (e.detail as { status: string }).status === 'PROGRESSING').length,
          0,
          'refused before PROGRESSING',
        );
        assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${jobId}/`), []);
        assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${jobId}/`), []);
      });
    } else {
      it('the generated sample (60 s 1280x720 with sound): every rendition meets the contract', async () => {
        const { figures, detail } = await transcodeAndCheck(
          { durationSec: 60, width: 1280, height: 720, fps: 30, audio: true },
          {},
          ['720p', '480p'],
        );
        assert.equal(detail.outputs?.find((o) => o.name === 'mp4/720p.mp4')?.frames, 1800);
        console.log('      sample:', JSON.stringify(figures));
        // The local log: Powertools lines, each step's outcome at INFO with the job's id.
        await new Promise((r) => logStream.write('', r));
        const lines = (await readFile(path.join(dir, 'log.jsonl'), 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        const probe = lines.find(
          (l) => l.step === 'probe' && l.message === 'step succeeded' && l.jobId === detail.jobId,
        );
        assert.ok(probe, 'a probe outcome line for the job');
        assert.equal(probe.level, 'INFO');
        assert.equal(probe.service, 'media-transcoder');
        assert.equal(typeof probe.cold_start, 'boolean');
        assert.match(String(probe.function_request_id), /^[0-9a-f-]{36}$/);
        assert.equal(probe.function_name, 'media-transcoder-probe');
        // Every segment read its own bytes (segmentInput.ts), not the source's URL.
        const segs = lines.filter((l) => l.message === 'segment done' && l.jobId === detail.jobId);
        assert.ok(
          segs.length > 1 && segs.every((l) => l.read === 'own' && (l.sourceRead as { bytes: number }).bytes > 0),
          'every segment read its own bytes',
        );
        const metrics = lines.filter((l) => l._aws && l.jobId === undefined && typeof l.SegmentSeconds === 'number');
        assert.ok(metrics.length >= 1, 'segment seconds as EMF metrics');
      });

      const vfrSource = {
        durationSec: 12,
        width: 640,
        height: 360,
        fps: 30,
        audio: true,
        bFrames: 3,
        variableFrameRate: true,
        keyframes: [0, 1.3, 2.1, 5.7, 7.2, 9.9, 10.4],
      };

      it('B-frames, irregular keyframes and variable frame rate: exact frames and timestamps', async () => {
        const { figures } = await transcodeAndCheck(vfrSource, { 'segment-seconds': '2', preset: 'h264-single-480p' }, [
          '360p',
        ]);
        console.log('      vfr:', JSON.stringify(figures));
      });

      it('variable frame rate off the 1/fps grid (phone-like timestamps): exact frames and timestamps', async () => {
        const { figures } = await transcodeAndCheck(
          { ...vfrSource, offGrid: true },
          { 'segment-seconds': '2', preset: 'h264-single-480p' },
          ['360p'],
        );
        console.log('      off-grid vfr:', JSON.stringify(figures));
      });

      it('a length that is not a whole number of segments, mono sound', async () => {
        await transcodeAndCheck(
          {
            durationSec: 10.5,
            width: 640,
            height: 360,
            fps: 25,
            audio: { channels: 1 },
            keyframes: Array.from({ length: 11 }, (_, i) => i),
          },
          { 'segment-seconds': '4', preset: 'h264-single-480p' },
          ['360p'],
        );
      });

      it('a source with no audio', async () => {
        await transcodeAndCheck(
          { durationSec: 8, width: 640, height: 360, fps: 24, audio: false },
          { 'segment-seconds': '2', preset: 'h264-single-480p' },
          ['360p'],
        );
      });
    }

    describe('bad input ends in one ERROR event and loses nothing', () => {
      const cases: { name: string; code: string; make: (file: string) => Promise<void> }[] = [
        {
          name: 'text file renamed .mp4',
          code: 'INPUT_UNREADABLE',
          make: (f) => writeFile(f, 'this is not a video\n'.repeat(200)),
        },
        { name: 'zero-byte file', code: 'INPUT_EMPTY', make: (f) => writeFile(f, '') },
        {
          name: 'truncated MP4',
          code: 'INPUT_TRUNCATED',
          make: async (f) => {
            await generateSample({
              output: f,
              durationSec: 4,
              width: 320,
              height: 240,
              fps: 25,
              audio: true,
              extraArgs: ['-movflags', '+faststart'],
            });
            const size = (await readFile(f)).length;
            await truncate(f, Math.floor(size * 0.6));
          },
        },
        {
          name: 'audio-only file',
          code: 'INPUT_NO_VIDEO',
          make: async (f) => {
            await runProcess(
              resolveBinaries(process.env).ffmpeg,
              [
                '-v',
                'error',
                '-y',
                '-f',
                'lavfi',
                '-i',
                'sine=frequency=300:sample_rate=44100',
                '-t',
                '3',
                '-c:a',
                'aac',
                '-f',
                'mp4',
                f,
              ],
              { timeoutMs: 60_000 },
            );
          },
        },
      ];
      for (const c of cases) {
        it(`${c.name} -> ${c.code}`, async () => {
          const file = src(`bad-${++n}.mp4`);
          await c.make(file);
          const original = await readFile(file);
          const key = `uploads/bad-${n}.mp4`;
          const { jobId, detail, events } = await runJob(stack, file, key);
          assert.equal(detail.status, 'ERROR');
          assert.equal(detail.errorCode, c.code, detail.errorMessage);
          assert.ok(detail.errorMessage && detail.errorMessage.length > 10, 'a readable message');
          const finals = events.filter((e) => ['COMPLETE', 'ERROR'].includes((e.detail as { status: string }).status));
          assert.equal(finals.length, 1, 'exactly one final event');
          for (const e of events) assert.deepEqual(eventSchemaErrors(e), [], 'event matches the schema');
          assert.deepEqual(await objectBytes(stack, stack.config.INGEST_BUCKET, key), original, 'source untouched');
          assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${jobId}/`), [], 'no output object');
          assert.deepEqual(
            await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${jobId}/`),
            [],
            'work prefix cleaned',
          );
          assert.deepEqual(stack.sfn.running(), [], 'no execution left running');
        });
      }
    });
  });
}
