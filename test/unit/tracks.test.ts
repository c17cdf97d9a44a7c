import assert from 'node:assert/strict';
import {
  audioLayoutFor,
  buildMovTextArgs,
  buildSubtitleVttArgs,
  parseTracks,
  planAudioOutputs,
  planTextOutputs,
  shiftVtt,
  vttCues,
} from '../../src/media/plan/tracks.js';
import { audioChunkWindow, audioChunkCommand } from '../../src/media/encode/cmaf.js';
import { ffArgs } from '../../src/media/ffmpeg/command.js';
import { getPreset } from '../../src/media/plan/presets.js';
import { parseStreamProbe } from '../../src/media/probe/probe.js';

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const all = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

const probe = JSON.stringify({
  streams: [
    { index: 0, codec_type: 'video', codec_name: 'h264' },
    {
      index: 1,
      codec_type: 'audio',
      codec_name: 'aac',
      channels: 2,
      channel_layout: 'stereo',
      sample_rate: '48000',
      disposition: { default: 1 },
      tags: { language: 'eng', title: 'English', handler_name: 'SoundHandler' },
    },
    {
      index: 2,
      codec_type: 'audio',
      codec_name: 'ac3',
      channels: 6,
      channel_layout: '5.1(side)',
      sample_rate: '48000',
      disposition: { default: 0 },
      tags: { language: 'fra', title: 'Français' },
    },
    {
      index: 3,
      codec_type: 'audio',
      codec_name: 'mp3',
      channels: 1,
      sample_rate: '44100',
      tags: { handler_name: 'SoundHandler' },
    },
    {
      index: 4,
      codec_type: 'subtitle',
      codec_name: 'subrip',
      disposition: { default: 1, forced: 0 },
      tags: { language: 'eng' },
    },
    { index: 5, codec_type: 'subtitle', codec_name: 'ass', tags: { language: 'fra', title: 'Sous-titres' } },
    { index: 6, codec_type: 'subtitle', codec_name: 'mov_text', disposition: { forced: 1 } },
    { index: 7, codec_type: 'subtitle', codec_name: 'webvtt' },
    { index: 8, codec_type: 'subtitle', codec_name: 'hdmv_pgs_subtitle', tags: { language: 'deu' } },
    { index: 9, codec_type: 'subtitle', codec_name: 'dvb_subtitle' },
    { index: 10, codec_type: 'subtitle', codec_name: 'dvd_subtitle' },
  ],
});

describe('tracks (tracks.ts)', () => {
  it('lists every audio track with codec, channels, language and title (no MP4 handler names as titles)', () => {
    const t = parseTracks(probe);
    assert.deepEqual(
      t.audio.map((a) => [a.index, a.codec, a.channels, a.language, a.title, a.default]),
      [
        [1, 'aac', 2, 'eng', 'English', true],
        [2, 'ac3', 6, 'fra', 'Français', false],
        [3, 'mp3', 1, 'und', undefined, false],
      ],
    );
  });

  it('text subtitles (subrip, ass, mov_text, webvtt) are kept; image subtitles (PGS, DVB, DVD) reported as skipped', () => {
    const t = parseTracks(probe);
    assert.deepEqual(
      t.subtitles.filter((s) => s.kind === 'text').map((s) => [s.index, s.codec, s.language]),
      [
        [4, 'subrip', 'eng'],
        [5, 'ass', 'fra'],
        [6, 'mov_text', 'und'],
        [7, 'webvtt', 'und'],
      ],
    );
    assert.equal(t.subtitles.find((s) => s.index === 6)!.forced, true);
    assert.deepEqual(
      t.skipped.map((s) => [s.index, s.codec, s.language]),
      [
        [8, 'hdmv_pgs_subtitle', 'deu'],
        [9, 'dvb_subtitle', 'und'],
        [10, 'dvd_subtitle', 'und'],
      ],
    );
    assert.match(t.skipped[0].reason, /image subtitles/);
  });

  it('the stream probe carries the track list (kept in the probe document)', () => {
    const withVideo = JSON.parse(probe) as { streams: Record<string, unknown>[] };
    Object.assign(withVideo.streams[0], { width: 2, height: 2, time_base: '1/25' });
    const info = parseStreamProbe(JSON.stringify(withVideo));
    assert.deepEqual(info.tracks, parseTracks(probe));
  });

  it('stereo by default (mono too, as the contract has it); 5.1 kept where the preset says', () => {
    const h264 = getPreset('h264-ladder').audio;
    const hevc = getPreset('hevc-ladder').audio;
    assert.deepEqual(audioLayoutFor({ channels: 6 }, h264), { channels: 2, bitrateKbps: 128 });
    assert.deepEqual(audioLayoutFor({ channels: 6 }, hevc), { channels: 6, bitrateKbps: 384 });
    assert.deepEqual(audioLayoutFor({ channels: 2 }, hevc), { channels: 2, bitrateKbps: 128 });
    assert.deepEqual(audioLayoutFor({ channels: 1 }, h264), { channels: 2, bitrateKbps: 128 });
  });

  it('every audio track becomes an output (the first is `audio`), every text subtitle a text output; image ones are skipped', () => {
    const list = parseTracks(probe);
    const audio = planAudioOutputs(list.audio, getPreset('hevc-ladder').audio);
    assert.deepEqual(
      audio.map((a) => [a.id, a.index, a.channels, a.bitrateKbps, a.language]),
      [
        ['audio', 1, 2, 128, 'eng'],
        ['audio2', 2, 6, 384, 'fra'],
        ['audio3', 3, 2, 128, undefined],
      ],
    );
    assert.deepEqual(
      planAudioOutputs(list.audio, getPreset('h264-ladder').audio).map((a) => a.channels),
      [2, 2, 2],
    );
    const text = planTextOutputs(list.subtitles);
    assert.deepEqual(
      text.map((t) => [t.id, t.index, t.codec, t.language, t.forced]),
      [
        ['text1', 4, 'subrip', 'eng', false],
        ['text2', 5, 'ass', 'fra', false],
        ['text3', 6, 'mov_text', undefined, true],
        ['text4', 7, 'webvtt', undefined, false],
      ],
    );
    assert.equal(list.skipped.length, list.subtitles.length - text.length);
  });

  it('one audio chunk of every track in one ffmpeg: each mapped by index with its own layout, language and title', () => {
    const preset = getPreset('hevc-ladder');
    const tracks = planAudioOutputs(parseTracks(probe).audio.slice(0, 2), preset.audio).map((t) => ({
      ...t,
      output: `/t/${t.id}.mp4`,
    }));
    const chunk = { index: 3, from: 480_000, to: 576_000 };
    const a = ffArgs(audioChunkCommand({ input: 'https://s3/x?sig', planStartSec: 1, chunk, preset, tracks }));
    assert.equal(a.filter((x) => x === '-i').length, 1, 'the source is read once');
    assert.deepEqual(all(a, '-map'), ['0:1', '0:2']);
    assert.deepEqual(all(a, '-ac'), ['2', '6']);
    assert.deepEqual(all(a, '-b:a'), ['128k', '384k']);
    assert.deepEqual(all(a, '-metadata:s:a:0'), [
      'language=eng',
      'handler_name=English',
      'language=fra',
      'handler_name=Français',
    ]);
    // Both tracks get the same cut: the chunk's window with 2 frames of pre-roll, from 1 s + 10 s.
    const w = audioChunkWindow(chunk);
    assert.deepEqual(
      all(a, '-af'),
      [0, 1].map(
        () =>
          `aresample=48000,atrim=start=${(1 + w.encodeFrom / 48000).toFixed(6)}:end=${(1 + w.encodeTo / 48000).toFixed(6)},asetpts=PTS-${(1 + w.encodeFrom / 48000).toFixed(6)}/TB,aresample=async=1:first_pts=0,apad`,
      ),
    );
    assert.equal(a.at(-1), '/t/audio2.mp4');
    assert.equal(after(a, '-protocol_whitelist'), 'http,https,tcp,tls,crypto');
  });

  it('a WebVTT sidecar to mov_text as one fragment, with language and title', () => {
    const a = buildMovTextArgs({
      input: '/t/text1.vtt',
      language: 'eng',
      title: 'English SDH',
      output: '/t/text1.mp4',
    });
    assert.equal(after(a, '-c:s'), 'mov_text');
    assert.deepEqual(all(a, '-metadata:s:s:0'), ['language=eng', 'handler_name=English SDH', 'title=English SDH']);
    assert.equal(after(a, '-movflags'), '+empty_moov+default_base_moof');
    assert.deepEqual(vttCues('WEBVTT\n\n00:00:01.500 --> 00:00:02.000\nx\n\n00:00:00.250 --> 00:00:01.000\ny\n'), {
      count: 2,
      firstStartSec: 0.25,
    });
    assert.deepEqual(vttCues('WEBVTT\n'), { count: 0 });
  });

  it('a text subtitle to WebVTT with source timestamps; the range cut and shifted in code', () => {
    const a = buildSubtitleVttArgs({ input: '/s.mkv', track: { index: 4 }, output: '/t/s4.vtt' });
    assert.equal(after(a, '-map'), '0:4');
    assert.equal(after(a, '-c:s'), 'webvtt');
    assert.ok(a.includes('-copyts'));
    const vtt =
      'WEBVTT\n\n00:00:09.000 --> 00:00:10.500\nbefore and across the start\n\n00:00:11.000 --> 00:00:12.000 line:90%\n<i>inside</i>\nsecond line\n\n00:00:14.000 --> 00:00:16.000\nacross the end\n\n00:00:20.000 --> 00:00:21.000\nafter\n\n00:00:05.000 --> 00:00:06.000\nbefore\n';
    assert.equal(
      shiftVtt(vtt, 10, 15),
      'WEBVTT\n\n00:00:00.000 --> 00:00:00.500\nbefore and across the start\n\n00:00:01.000 --> 00:00:02.000 line:90%\n<i>inside</i>\nsecond line\n\n00:00:04.000 --> 00:00:05.000\nacross the end\n',
    );
    assert.equal(
      shiftVtt('WEBVTT\n\n01:00:00.000 --> 01:00:01.000\nhour\n', 3599.5, 3600.5),
      'WEBVTT\n\n00:00:00.500 --> 00:00:01.000\nhour\n',
    );
  });
});
