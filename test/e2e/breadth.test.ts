/**
 * Output breadth on the local stack (issue 12), once per toolchain: the HEVC and AV1 ladders
 * through the whole pipeline (contract checked frame by frame), an AV1 job refused at planning
 * where the ffmpeg has no SVT-AV1, and an HLG 10-bit HEVC phone-like clip tone-mapped for the
 * H.264 ladder and kept HDR by the HEVC ladder. Fixtures are tiny (2 s).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStack } from '../../src/local/stack.js';
import type { ExecutionProgress } from '../../src/local/stepFunctions.js';
import { resolveBinaries, npmBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { generateSample } from '../../src/media/package/sample.js';
import { capabilitiesOf } from '../../src/media/plan/encoders.js';
import { checkContract, checkStreaming } from '../helpers/contract.js';
import { runJob, keysUnder, downloadOutputs } from '../helpers/stack.js';
import { frameTimes, tracksFixture } from '../helpers/media.js';
import type { JobEventDetail } from '../../src/pipeline/events.js';

const toolchains: { label: string; bins: Binaries }[] = [];
const resolved = resolveBinaries(process.env);
if (resolved.source.ffmpeg !== 'npm') toolchains.push({ label: `${resolved.source.ffmpeg} ffmpeg`, bins: resolved });
const shipped = npmBinaries();
// The npm-shipped 2018 build cannot write CMAF pieces: it is refused at planning (test/e2e/pipeline.test.ts).
void shipped;

const probe = async (file: string, entries: string) =>
  Object.fromEntries(
    (
      await runProcess(
        resolved.ffprobe,
        ['-v', 'error', '-select_streams', 'v:0', '-show_entries', entries, '-of', 'default=nw=1', file],
        { timeoutMs: 60_000, captureStdout: true },
      )
    ).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );

for (const tc of toolchains) {
  describe(`output breadth on the local stack (${tc.label})`, function () {
    this.timeout(600_000);
    let dir: string;
    let stack: LocalStack;
    let n = 0;
    const steps = new Map<string, string[]>();
    const file = (name: string) => path.join(dir, name);
    let vfr: string;
    let hlg: string;
    let log: WriteStream;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mt-breadth-'));
      log = createWriteStream(file('log.jsonl'));
      // MP4 parts of 200 kB, so these small jobs' MP4s are joined from several parts by several
      // AssemblePart workers: the local S3's part minimum (5 MiB in AWS) is scaled down to match.
      stack = await LocalStack.start({
        dataDir: file('stack'),
        binaries: tc.bins,
        logSink: (l) => log.write(`${l}\n`),
        env: { MP4_PART_BYTES: '200000' },
        limits: { s3PartMinBytes: 200_000 },
      });
      stack.sfn.on('progress', (p: ExecutionProgress) => {
        const a = steps.get(p.jobId) ?? [];
        if (a[a.length - 1] !== p.step) a.push(p.step);
        steps.set(p.jobId, a);
      });
      // Fixtures with the system's ffmpeg: 2 s of 854x480 VFR with B-frames and sound (two
      // rungs: 480p and, as a source of 480 lines, nothing larger), and 2 s of HLG 10-bit HEVC.
      vfr = file('vfr.mp4');
      await generateSample({
        output: vfr,
        durationSec: 2,
        width: 854,
        height: 480,
        fps: 24,
        audio: true,
        bFrames: 3,
        variableFrameRate: true,
        keyframes: [0, 0.9, 1.5],
      });
      hlg = file('hlg.mp4');
      await runProcess(
        resolved.ffmpeg,
        [
          '-v',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=640x360:rate=25',
          '-t',
          '2',
          '-vf',
          'format=yuv420p10le',
          '-c:v',
          'libx265',
          '-profile:v',
          'main10',
          '-color_primaries',
          'bt2020',
          '-color_trc',
          'arib-std-b67',
          '-colorspace',
          'bt2020nc',
          '-x265-params',
          'log-level=error:keyint=25',
          hlg,
        ],
        { timeoutMs: 120_000 },
      );
      // Two audio languages and English subtitles: SRT in Matroska (read through the split
      // pass), mov_text in MP4 (read by range).
      for (const name of ['tracks.mkv', 'tracks.mp4'])
        await tracksFixture(file(name), { width: 640, height: 360, durationSec: 3 });
    });
    after(async () => {
      await stack?.stop();
      if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
    });

    async function job(src: string, meta: Record<string, string>) {
      const r = await runJob(stack, src, `uploads/breadth-${++n}${path.extname(src)}`, {
        'segment-seconds': '1',
        ...meta,
      });
      return { ...r, steps: steps.get(r.jobId) ?? [] };
    }

    async function download(
      detail: JobEventDetail,
    ): Promise<{ outDir: string; videos: { name: string; width?: number; height?: number }[] }> {
      assert.equal(detail.status, 'COMPLETE', `${detail.errorCode}: ${detail.errorMessage}`);
      const outDir = file(`out-${n}`);
      await mkdir(outDir, { recursive: true });
      await downloadOutputs(stack, detail.jobId, outDir);
      return {
        outDir,
        videos: (detail.outputs ?? [])
          .filter((o) => o.type === 'video')
          .map((o) => ({ name: o.name, width: o.width, height: o.height })),
      };
    }

    for (const [preset, codec, encoder] of [
      ['hevc-ladder', 'hevc', 'libx265'],
      ['av1-ladder', 'av1', 'libsvtav1'],
    ] as const) {
      it(`${preset}: every rendition meets the contract as MP4 and through HLS and DASH (frames, times, PSNR, aligned keyframes, CODECS), or ENCODER_UNAVAILABLE at planning`, async () => {
        const has = (await capabilitiesOf(tc.bins.ffmpeg)).encoders.has(encoder);
        const { detail, jobId, steps: ran } = await job(vfr, { preset });
        if (!has) {
          assert.equal(detail.status, 'ERROR');
          assert.equal(detail.errorCode, 'ENCODER_UNAVAILABLE', detail.errorMessage);
          assert.match(detail.errorMessage!, new RegExp(`preset "${preset}" needs the encoder ${encoder}`));
          assert.ok(
            ran.includes('Plan') &&
              !ran.includes('TranscodeSegment') &&
              !ran.includes('Split') &&
              !ran.includes('EcsSubmit'),
            `failed at planning, nothing encoded: ${ran.join(' > ')}`,
          );
          assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${jobId}/`), []);
          return;
        }
        const { outDir, videos } = await download(detail);
        assert.deepEqual(
          videos.map((v) => v.name),
          ['mp4/480p.mp4'],
        );
        await checkContract(vfr, outDir, videos, true, { codec });
        // Through HLS and DASH too: frames, times, aligned keyframes, CODECS (hvc1.* / av01.*)
        // and RESOLUTION equal to the real stream, bandwidth at least the measured peak.
        await checkStreaming(vfr, outDir, ['480p'], true, { codec });
        const f = await probe(path.join(outDir, 'mp4/480p.mp4'), 'stream=codec_tag_string,profile');
        if (codec === 'hevc') assert.deepEqual([f.codec_tag_string, f.profile], ['hvc1', 'Main']);
        else assert.equal(f.codec_tag_string, 'av01');
      });
    }

    it('HLG 10-bit HEVC source, h264-single-480p: tone-mapped to 8-bit BT.709 (PSNR against a plain 8-bit conversion < 35 dB)', async () => {
      const { detail } = await job(hlg, { preset: 'h264-single-480p' });
      const { outDir, videos } = await download(detail);
      const out = path.join(outDir, videos[0].name);
      const f = await probe(out, 'stream=pix_fmt,color_primaries,color_transfer,color_space');
      assert.deepEqual(
        [f.pix_fmt, f.color_primaries, f.color_transfer, f.color_space],
        ['yuv420p', 'bt709', 'bt709', 'bt709'],
      );
      // A fragmented MP4's header has no frame count: count the frames.
      assert.equal((await frameTimes(out)).length, 50);
      const r = await runProcess(
        resolved.ffmpeg,
        [
          '-hide_banner',
          '-nostdin',
          '-i',
          out,
          '-i',
          hlg,
          '-lavfi',
          '[1:v]format=yuv420p[p];[0:v][p]psnr',
          '-f',
          'null',
          '-',
        ],
        { timeoutMs: 120_000 },
      );
      const psnr = Number(/average:([\d.]+)/.exec(r.stderrTail)![1]);
      assert.ok(psnr < 35, `PSNR against a plain 8-bit conversion: ${psnr}`);
      // The poster (the first frame here) is tone-mapped too: close to the tone-mapped video's
      // first frame, far from a plain 8-bit conversion of the source's.
      const poster = path.join(outDir, 'poster.jpg');
      const size = await probe(poster, 'stream=width,height');
      // Compared as pictures: each reference's first frame as PNG, both read as 4:4:4.
      const stillPsnr = async (ref: string, pre: string) => {
        const png = path.join(outDir, `ref-${path.basename(ref)}.png`);
        await runProcess(
          resolved.ffmpeg,
          ['-v', 'error', '-y', '-i', ref, '-vf', `${pre}scale=${size.width}:${size.height}`, '-frames:v', '1', png],
          { timeoutMs: 120_000 },
        );
        const r = await runProcess(
          resolved.ffmpeg,
          [
            '-hide_banner',
            '-nostdin',
            '-i',
            poster,
            '-i',
            png,
            '-lavfi',
            '[0:v]format=yuv444p[a];[1:v]format=yuv444p[b];[a][b]psnr',
            '-f',
            'null',
            '-',
          ],
          { timeoutMs: 120_000 },
        );
        return Number(/average:([\d.]+)/.exec(r.stderrTail)![1]);
      };
      const vsVideo = await stillPsnr(out, '');
      const vsPlain = await stillPsnr(hlg, 'format=yuv420p,');
      assert.ok(
        vsVideo > 30 && vsPlain < 35 && vsVideo > vsPlain + 5,
        `poster PSNR vs the tone-mapped video ${vsVideo} dB, vs a plain conversion ${vsPlain} dB`,
      );
    });

    it('HLG 10-bit HEVC source, hevc-ladder: 10-bit Main 10 with HLG/BT.2020 kept', async () => {
      const { detail } = await job(hlg, { preset: 'hevc-ladder' });
      const { outDir, videos } = await download(detail);
      const f = await probe(
        path.join(outDir, videos[0].name),
        'stream=codec_tag_string,profile,pix_fmt,color_primaries,color_transfer,color_space',
      );
      assert.deepEqual(
        [f.codec_tag_string, f.profile, f.pix_fmt, f.color_primaries, f.color_transfer, f.color_space],
        ['hvc1', 'Main 10', 'yuv420p10le', 'bt2020', 'arib-std-b67', 'bt2020nc'],
      );
      assert.equal((await frameTimes(path.join(outDir, videos[0].name))).length, 50);
    });

    for (const name of ['tracks.mkv', 'tracks.mp4']) {
      it(`two audio languages and an SRT/mov_text track (${name}): both languages and the subtitles in HLS, DASH and MP4; the COMPLETE event lists them`, async () => {
        const src = file(name);
        const { detail } = await job(src, { preset: 'h264-single-480p' });
        const { outDir, videos } = await download(detail);
        assert.deepEqual(detail.tracks, {
          audio: [
            { id: 'audio', sourceIndex: 1, language: 'eng', title: 'English', channels: 2, default: true },
            { id: 'audio2', sourceIndex: 2, language: 'fra', title: 'Français 5.1', channels: 2, default: false },
          ],
          subtitles: [
            {
              id: 'text1',
              sourceIndex: 3,
              codec: name.endsWith('.mkv') ? 'subrip' : 'mov_text',
              format: 'webvtt',
              language: 'eng',
              cues: 2,
              default: name.endsWith('.mp4'),
              forced: false,
            },
          ], // ffmpeg's MP4 muxer marks the first subtitle track default, its Matroska muxer does not
          skipped: [],
        });
        const names = (detail.outputs ?? []).map((o) => o.name);
        for (const x of ['cmaf/audio/', 'cmaf/audio2/', 'subs/text1.vtt']) assert.ok(names.includes(x), x);
        assert.equal(detail.outputs!.find((o) => o.name === 'subs/text1.vtt')!.type, 'subtitles');
        // The contract through both manifests and the MP4 (video frames and the first audio track).
        await checkStreaming(src, outDir, ['360p'], true);
        await checkContract(src, outDir, videos, true);

        // Subtitles on the job's timeline, time zero the first video frame: the cues at their
        // authored times (the fixture's muxer shifted every stream alike, Matroska by the AAC priming).
        const t = (x: number) => `00:00:0${x.toFixed(3)}`;
        assert.equal(
          await readFile(path.join(outDir, 'subs/text1.vtt'), 'utf8'),
          `WEBVTT\n\n${t(0.4)} --> ${t(1)}\nHello\n\n${t(1.5)} --> ${t(2.25)}\n<i>Second</i> line\n`,
        );

        // HLS: both audio renditions (English the default), the subtitle rendition, each variant naming both groups.
        const master = await readFile(path.join(outDir, 'hls/master.m3u8'), 'utf8');
        assert.match(
          master,
          /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",LANGUAGE="eng",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"/,
        );
        assert.match(
          master,
          /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Français 5.1",LANGUAGE="fra",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio2.m3u8"/,
        );
        assert.match(
          master,
          /#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="eng",LANGUAGE="eng",DEFAULT=(YES|NO),AUTOSELECT=YES,FORCED=NO,URI="text1.m3u8"/,
        );
        assert.match(master, /#EXT-X-STREAM-INF:[^\n]*AUDIO="audio",SUBTITLES="subs"\n360p\.m3u8/);
        const subsPl = await readFile(path.join(outDir, 'hls/text1.m3u8'), 'utf8');
        assert.match(subsPl, /#EXTINF:3\.000000,\n\.\.\/subs\/text1\.vtt\n#EXT-X-ENDLIST/);
        // DASH: one audio adaptation set per language, a text adaptation set.
        const mpd = await readFile(path.join(outDir, 'dash/manifest.mpd'), 'utf8');
        assert.match(mpd, /<AdaptationSet id="1" contentType="audio" mimeType="audio\/mp4" lang="eng"/);
        assert.match(mpd, /<AdaptationSet id="2" contentType="audio" mimeType="audio\/mp4" lang="fra"/);
        assert.match(
          mpd,
          /<AdaptationSet id="3" contentType="text" mimeType="text\/vtt" lang="eng">[\s\S]*<BaseURL>\.\.\/subs\/text1\.vtt<\/BaseURL>/,
        );

        // Each audio track read through its manifests: its language, as long as the video within one AAC frame.
        const videoSec = 3;
        for (const [id, lang] of [
          ['audio', 'eng'],
          ['audio2', 'fra'],
        ]) {
          const r = await runProcess(
            resolved.ffprobe,
            [
              '-v',
              'error',
              '-print_format',
              'json',
              '-show_streams',
              '-show_format',
              path.join(outDir, `hls/${id}.m3u8`),
            ],
            { timeoutMs: 60_000, captureStdout: true },
          );
          const j = JSON.parse(r.stdout) as {
            streams: { codec_name: string; channels: number }[];
            format: { duration: string };
          };
          assert.deepEqual([j.streams[0].codec_name, j.streams[0].channels], ['aac', 2], id);
          assert.ok(
            Math.abs(Number(j.format.duration) - videoSec) <= 1024 / 48000 + 1e-3,
            `${id}: ${j.format.duration}s`,
          );
          assert.match(mpd, new RegExp(`lang="${lang}"[^>]*>[\\s\\S]*?<Representation id="${id}"`));
        }
        // ffmpeg reads a DASH WebVTT sidecar only with every extension allowed (docs/STREAMING.md).
        const dash = await runProcess(
          resolved.ffprobe,
          [
            '-v',
            'error',
            '-allowed_extensions',
            'ALL',
            '-print_format',
            'json',
            '-show_streams',
            path.join(outDir, 'dash/manifest.mpd'),
          ],
          { timeoutMs: 60_000, captureStdout: true },
        );
        assert.deepEqual(
          (JSON.parse(dash.stdout) as { streams: { codec_name: string }[] }).streams.map((x) => x.codec_name),
          ['h264', 'aac', 'aac', 'webvtt'],
          'DASH: video, both audio tracks and the subtitles readable',
        );

        // MP4: video, both audio tracks with language and title, the subtitles as mov_text at the same times.
        const mp4 = path.join(outDir, videos[0].name);
        const r = await runProcess(resolved.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_streams', mp4], {
          timeoutMs: 60_000,
          captureStdout: true,
        });
        const st = (
          JSON.parse(r.stdout) as {
            streams: { codec_type: string; codec_name: string; channels?: number; tags?: Record<string, string> }[];
          }
        ).streams;
        assert.deepEqual(
          st.map((x) => [x.codec_type, x.codec_name, x.tags?.language, x.tags?.handler_name]),
          [
            ['video', 'h264', 'und', 'VideoHandler'],
            ['audio', 'aac', 'eng', 'English'],
            ['audio', 'aac', 'fra', 'Français 5.1'],
            ['subtitle', 'mov_text', 'eng', 'SubtitleHandler'],
          ],
        );
        const cues = (
          await runProcess(
            resolved.ffprobe,
            ['-v', 'error', '-select_streams', 's:0', '-show_entries', 'packet=pts_time,size', '-of', 'csv=p=0', mp4],
            { timeoutMs: 60_000, captureStdout: true },
          )
        ).stdout
          .trim()
          .split('\n')
          .map((l) => l.split(','))
          .filter(([, size]) => Number(size) > 2)
          .map(([pts]) => Number(pts));
        assert.deepEqual(
          cues.map((x) => x.toFixed(3)),
          ['0.400', '1.500'],
          'mov_text cues at the sidecar times',
        );
        // The MP4 was joined from several parts, each by its own AssemblePart worker.
        await new Promise((r) => log.write('', r));
        const lines = (await readFile(file('log.jsonl'), 'utf8'))
          .split('\n')
          .filter((l) => l.includes(detail.jobId) && l.includes('mp4 part uploaded'))
          .map((l) => JSON.parse(l) as { part: number; of: number });
        assert.ok(lines.length >= 2 && lines.every((l) => l.of === lines.length), `parts: ${JSON.stringify(lines)}`);
        assert.deepEqual(
          lines.map((l) => l.part).sort((a, b) => a - b),
          lines.map((_, i) => i + 1),
        );
      });
    }
  });
}
