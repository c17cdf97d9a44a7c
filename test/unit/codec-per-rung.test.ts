import assert from 'node:assert/strict';
import {
  dashManifest,
  hlsMasterPlaylist,
  type PackageModel,
  type VideoTrackModel,
} from '../../src/media/package/manifests.js';

const segs = [
  { start: 0, duration: 2000, bytes: 250_000 },
  { start: 2000, duration: 2000, bytes: 250_000 },
];
const rung = (id: string, codec: string, width: number, height: number): VideoTrackModel => ({
  id,
  timescale: 1000,
  codec,
  width,
  height,
  frameRate: 25,
  segments: segs,
});

/** A ladder mixing codecs per rung: HEVC on top, H.264 below (what rungVideo allows). */
const mixed: PackageModel = {
  video: [
    rung('1080p', 'hvc1.1.6.L120.90', 1920, 1080),
    rung('720p', 'avc1.64001f', 1280, 720),
    rung('720p-hevc', 'hvc1.1.6.L93.90', 1280, 720),
    rung('480p', 'avc1.64001e', 854, 480),
  ],
  audio: [
    {
      id: 'audio',
      timescale: 48000,
      codec: 'mp4a.40.2',
      sampleRate: 48000,
      channels: 2,
      presentationTimeOffset: 1024,
      segments: [{ start: 0, duration: 192000, bytes: 32000 }],
    },
  ],
};

describe('codec per rung in the manifests', () => {
  it('DASH: one video AdaptationSet per codec family, each with its own renditions, codecs and largest size; audio after them', () => {
    const mpd = dashManifest(mixed);
    const sets = [
      ...mpd.matchAll(/<AdaptationSet id="(\d+)" contentType="(\w+)"[^>]*>([\s\S]*?)<\/AdaptationSet>/g),
    ].map((x) => ({ id: x[1], type: x[2], body: x[0] }));
    const video = sets.filter((s) => s.type === 'video');
    assert.equal(video.length, 2);
    const reps = (body: string) =>
      [...body.matchAll(/<Representation id="([^"]+)"[^>]* codecs="([^"]+)"/g)].map((x) => [x[1], x[2]]);
    assert.deepEqual(reps(video[0].body), [
      ['1080p', 'hvc1.1.6.L120.90'],
      ['720p-hevc', 'hvc1.1.6.L93.90'],
    ]);
    assert.deepEqual(reps(video[1].body), [
      ['720p', 'avc1.64001f'],
      ['480p', 'avc1.64001e'],
    ]);
    assert.match(video[0].body, /maxWidth="1920" maxHeight="1080"/);
    assert.match(video[1].body, /maxWidth="1280" maxHeight="720"/);
    // Ids unique across every set.
    assert.deepEqual(
      sets.map((s) => s.id),
      ['0', '1', '2'],
    );
    assert.equal(sets[2].type, 'audio');
  });

  it('HLS: every variant declares its own video codec with the audio codec, variants listed family by family', () => {
    const master = hlsMasterPlaylist(mixed);
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]*)\n([^\n]+)/g)].map((x) => ({
      codecs: /CODECS="([^"]+)"/.exec(x[1])![1],
      uri: x[2],
    }));
    assert.deepEqual(variants, [
      { codecs: 'hvc1.1.6.L120.90,mp4a.40.2', uri: '1080p.m3u8' },
      { codecs: 'hvc1.1.6.L93.90,mp4a.40.2', uri: '720p-hevc.m3u8' },
      { codecs: 'avc1.64001f,mp4a.40.2', uri: '720p.m3u8' },
      { codecs: 'avc1.64001e,mp4a.40.2', uri: '480p.m3u8' },
    ]);
  });
});
