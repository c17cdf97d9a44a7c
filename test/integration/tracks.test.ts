/**
 * Every audio track and a text subtitle track with the real tools (ffmpeg called directly):
 * a Matroska fixture with English stereo and French 5.1 audio and an English SRT track. Each
 * audio track is encoded for a range of the source with its language and title, stereo by
 * default and 5.1 where the preset keeps it; the SRT becomes WebVTT cut to the range and moved
 * to start at zero.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinaries, npmBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { buildStreamProbeArgs } from '../../src/media/probe/probe.js';
import {
  buildSubtitleVttArgs,
  parseTracks,
  planAudioOutputs,
  shiftVtt,
  type TrackList,
} from '../../src/media/plan/tracks.js';
import { audioChunkCommand } from '../../src/media/encode/cmaf.js';
import { audioPiece } from '../../src/media/package/package.js';
import { concatBytes } from '../../src/media/package/isobmff.js';
import { getPreset } from '../../src/media/plan/presets.js';

const toolchains: { label: string; bins: Binaries }[] = [];
const resolved = resolveBinaries(process.env);
toolchains.push({ label: `${resolved.source.ffmpeg} ffmpeg`, bins: resolved });
const shipped = npmBinaries();
if (shipped && shipped.ffmpeg !== resolved.ffmpeg) toolchains.push({ label: 'npm-shipped ffmpeg', bins: shipped });

const SRT = `1
00:00:00,200 --> 00:00:01,000
Hello (before the range, ends inside it)

2
00:00:01,500 --> 00:00:02,000
<i>Inside</i> the range

3
00:00:02,800 --> 00:00:03,000
After the range
`;

for (const tc of toolchains) {
  describe(`audio tracks and subtitles, real tools (${tc.label})`, function () {
    this.timeout(300_000);
    let dir: string;
    let src: string;
    let tracks: TrackList;
    // The plan's range is in source time: 0.5 s to 2.5 s after the first video frame (Matroska
    // shifts every stream by the AAC priming, 21 ms, so the video does not start at zero).
    const range = { startSec: 0.5, endSec: 2.5 };

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mt-tracks-'));
      const srt = path.join(dir, 'en.srt');
      await writeFile(srt, SRT);
      src = path.join(dir, 'multi.mkv');
      await runProcess(
        resolved.ffmpeg,
        [
          '-v',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=320x180:rate=25',
          '-f',
          'lavfi',
          '-i',
          'sine=frequency=440:sample_rate=48000',
          '-f',
          'lavfi',
          '-i',
          'sine=frequency=660:sample_rate=48000',
          '-i',
          srt,
          '-t',
          '3',
          '-map',
          '0:v',
          '-map',
          '1:a',
          '-map',
          '2:a',
          '-map',
          '3:s',
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-c:a',
          'aac',
          '-ac:a:0',
          '2',
          '-ac:a:1',
          '6',
          '-c:s',
          'srt',
          '-metadata:s:a:0',
          'language=eng',
          '-metadata:s:a:0',
          'title=English',
          '-metadata:s:a:1',
          'language=fra',
          '-metadata:s:a:1',
          'title=Français 5.1',
          '-metadata:s:s:0',
          'language=eng',
          src,
        ],
        { timeoutMs: 60_000 },
      );
      const r = await runProcess(resolved.ffprobe, buildStreamProbeArgs({ url: src }), {
        timeoutMs: 60_000,
        captureStdout: true,
      });
      tracks = parseTracks(r.stdout);
      const videoStart = Number(
        (JSON.parse(r.stdout) as { streams: { codec_type: string; start_time: string }[] }).streams.find(
          (x) => x.codec_type === 'video',
        )!.start_time,
      );
      range.startSec += videoStart;
      range.endSec += videoStart;
    });
    after(async () => {
      if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
    });

    it('the probe lists both audio tracks and the SRT track', () => {
      assert.deepEqual(
        tracks.audio.map((a) => [a.index, a.channels, a.language, a.title]),
        [
          [1, 2, 'eng', 'English'],
          [2, 6, 'fra', 'Français 5.1'],
        ],
      );
      assert.deepEqual(
        tracks.subtitles.map((s) => [s.index, s.codec, s.kind, s.language]),
        [[3, 'subrip', 'text', 'eng']],
      );
      assert.deepEqual(tracks.skipped, []);
    });

    for (const presetName of ['h264-ladder', 'hevc-ladder']) {
      it(`${presetName}: one audio chunk of every track from one ffmpeg, each with its language and title (${presetName === 'h264-ladder' ? 'all stereo' : '5.1 kept'})`, async () => {
        const preset = getPreset(presetName);
        // The whole range as the first chunk (2 s at 48 kHz, whole AAC frames).
        const chunk = { index: 0, from: 0, to: 94 * 1024 };
        const outs = planAudioOutputs(tracks.audio, preset.audio).map((t) => ({
          ...t,
          output: path.join(dir, `${presetName}-${t.id}.mp4`),
        }));
        await runProcess(
          tc.bins.ffmpeg,
          audioChunkCommand({ input: src, planStartSec: range.startSec, chunk, preset, tracks: outs }),
          { timeoutMs: 60_000 },
        );
        for (const [i, o] of outs.entries()) {
          const piece = audioPiece(await readFile(o.output), chunk);
          const file = path.join(dir, `${presetName}-${o.id}.m4a`);
          await writeFile(file, concatBytes([piece.init, piece.fragment]));
          const r = await runProcess(
            resolved.ffprobe,
            ['-v', 'error', '-print_format', 'json', '-show_streams', '-count_packets', file],
            { timeoutMs: 60_000, captureStdout: true },
          );
          const [s] = (
            JSON.parse(r.stdout) as {
              streams: {
                codec_name: string;
                channels: number;
                nb_read_packets: string;
                tags?: Record<string, string>;
              }[];
            }
          ).streams;
          const track = tracks.audio[i];
          assert.equal(s.codec_name, 'aac');
          assert.equal(
            s.channels,
            presetName === 'hevc-ladder' && track.channels === 6 ? 6 : 2,
            `track ${track.index} channels`,
          );
          assert.equal(s.tags?.language, track.language);
          assert.equal(
            s.tags?.handler_name,
            track.title,
            "title kept (as the MP4 track's handler name, what players show)",
          );
          // 94 frames presented, plus the priming packet the edit list hides.
          assert.equal(Number(s.nb_read_packets), 95);
        }
      });
    }

    it('the SRT track becomes WebVTT for the range, moved to start at zero', async () => {
      const out = path.join(dir, 's3.vtt');
      await runProcess(tc.bins.ffmpeg, buildSubtitleVttArgs({ input: src, track: tracks.subtitles[0], output: out }), {
        timeoutMs: 60_000,
      });
      const vtt = shiftVtt(await readFile(out, 'utf8'), range.startSec, range.endSec);
      assert.equal(
        vtt,
        'WEBVTT\n\n00:00:00.000 --> 00:00:00.500\nHello (before the range, ends inside it)\n\n00:00:01.000 --> 00:00:01.500\n<i>Inside</i> the range\n',
      );
    });
  });
}
