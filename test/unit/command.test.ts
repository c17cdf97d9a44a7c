import assert from 'node:assert/strict';
import { buildSegmentCommand } from '../../src/pipeline/steps/segmentCommand.js';
import { ffArgs } from '../../src/media/ffmpeg/command.js';
import { SOURCE_FORMATS } from '../../src/media/ffmpeg/whitelists.js';
import { getPreset, selectRenditions } from '../../src/media/plan/presets.js';
import type { JobDocument } from '../../src/pipeline/jobDocument.js';

const preset = getPreset('h264-single-480p');
/** One 48-frame segment of an 854x480 source with one audio track: the manifest fields the worker's command reads. */
const manifest = (over: Partial<Record<string, unknown>> = {}) =>
  ({
    preset,
    renditions: selectRenditions(preset, 854, 480),
    colour: { mode: 'sdr' },
    video: { index: 0, rotation: 0 },
    plan: {
      timeBase: { num: 1, den: 15360 },
      startPts: 0,
      segments: [
        { skip: 0, count: 48, startPacket: 0, endPacket: 48, startPts: 0 },
        { skip: 2, count: 48, startPacket: 48, endPacket: 98, startPts: 30720 },
      ],
    },
    segmentReads: [
      { select: 'select=between(pts\\,0\\,47)' },
      { seek: '2.000000', select: 'select=between(pts\\,30720\\,61439)' },
    ],
    stills: [{ tiles: [], poster: { pts: 512, j: 1 } }, { tiles: [] }],
    audioOutputs: [{ id: 'audio', index: 1, channels: 2, bitrateKbps: 96, language: 'eng' }],
    audioChunks: [
      { index: 0, from: 0, to: 96256, segment: 0 },
      { index: 1, from: 192512, to: 288768, segment: 1 },
    ],
    ...over,
  }) as unknown as JobDocument;

describe("a segment worker's ffmpeg command (steps/segmentCommand.ts, command.ts)", () => {
  it('its own bytes: one input read once for the rendition, the poster and the audio chunk; globals once; the argv pinned', () => {
    const { command } = buildSegmentCommand({
      m: manifest(),
      index: 0,
      dir: '/w',
      read: { own: '/w/in.mp4' },
      url: 'https://s3/src?sig',
      threads: 2,
    });
    assert.deepEqual(ffArgs(command), [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-copyts',
      '-vsync',
      'passthrough',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      SOURCE_FORMATS,
      '-noautorotate',
      '-i',
      '/w/in.mp4',
      '-map',
      '0:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      'select=between(pts\\,0\\,47),scale=854:480,format=yuv420p',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-profile:v',
      'high',
      '-crf',
      '24',
      '-maxrate',
      '1500k',
      '-bufsize',
      '3000k',
      '-bf',
      '3',
      '-g',
      '100000',
      '-keyint_min',
      '1',
      '-sc_threshold',
      '0',
      '-force_key_frames',
      'expr:if(isnan(prev_forced_t),1,gte(floor(t/2),floor(prev_forced_t/2)+1))',
      '-threads',
      '2',
      '-enc_time_base',
      '-1',
      '-frames:v',
      '48',
      '-video_track_timescale',
      '15360',
      '-movflags',
      '+empty_moov+default_base_moof+negative_cts_offsets',
      '-frag_duration',
      '2147483647',
      '-f',
      'mp4',
      '/w/480p.mp4',
      '-map',
      '0:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      'select=eq(pts\\,512)',
      '-frames:v',
      '1',
      '-c:v',
      'png',
      '-f',
      'image2',
      '/w/poster.png',
      '-map',
      '0:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      'select=gte(pts\\,0),select=lt(n\\,3)',
      '-frames:v',
      '3',
      '-c:v',
      'ffv1',
      '-f',
      'nut',
      '/w/quality-ref.nut',
      '-map',
      '0:1',
      '-vn',
      '-sn',
      '-dn',
      '-af',
      'aresample=48000,atrim=start=0.000000:end=2.048000,asetpts=PTS-0.000000/TB,aresample=async=1:first_pts=0,apad',
      '-t',
      '2.048000',
      '-c:a',
      'aac',
      '-b:a',
      '96k',
      '-ac',
      '2',
      '-ar',
      '48000',
      '-metadata:s:a:0',
      'language=eng',
      '-movflags',
      '+empty_moov+default_base_moof',
      '-frag_duration',
      '2147483647',
      '-f',
      'mp4',
      '/w/audio-0.mp4',
    ]);
  });

  it('by URL: the video input seeks to the segment, the audio chunk is a second input with its own seek, mapped as input 1', () => {
    const { command, outputs, chunks } = buildSegmentCommand({
      m: manifest(),
      index: 1,
      dir: '/w',
      read: { url: 'https://s3/src?sig' },
      url: 'https://s3/src?sig',
    });
    const a = ffArgs(command);
    const inputs = a.flatMap((x, i) => (x === '-i' ? [i] : []));
    assert.equal(inputs.length, 2);
    assert.deepEqual(a.slice(inputs[0] - 5, inputs[0]), [
      '-seek_timestamp',
      '1',
      '-noaccurate_seek',
      '-ss',
      '2.000000',
    ]);
    assert.equal(a[inputs[1] - 2], '-ss', 'the chunk seeks near its own start');
    assert.deepEqual(
      a.flatMap((x, i) => (x === '-map' ? [a[i + 1]] : [])),
      ['0:0', '0:0', '1:1'],
      'the rendition, the quality reference, the audio chunk',
    );
    assert.equal(a.filter((x) => x === '-copyts').length, 1);
    assert.deepEqual(
      [outputs.map((o) => o.file), chunks.map((c) => c.tracks.map((t) => t.output))],
      [['/w/480p.mp4'], [['/w/audio-1.mp4']]],
    );
  });

  it('a split piece: frames by number after the skip, the NUT whitelist, the audio read from the source', () => {
    const { command } = buildSegmentCommand({
      m: manifest({ segmentReads: undefined }),
      index: 1,
      dir: '/w',
      read: { piece: '/w/in.nut' },
      url: 'https://s3/src?sig',
    });
    const a = ffArgs(command);
    assert.equal(a[a.indexOf('-vf') + 1], 'select=between(n\\,2\\,49),scale=854:480,format=yuv420p');
    assert.equal(a[a.indexOf('-format_whitelist') + 1], 'nut');
    assert.deepEqual(
      a.flatMap((x, i) => (x === '-map' ? [a[i + 1]] : [])),
      ['0:v:0', '0:v:0', '1:1'],
      'the rendition, the quality reference, the audio chunk',
    );
    const rendition = a.slice(0, a.indexOf('/w/480p.mp4'));
    assert.ok(!rendition.includes('-frames:v'), 'a piece ends with the segment: no frame limit on the rendition');
  });
});
