/** Pure parts of the streaming outputs: fragment rewriting, audio chunk arithmetic, args, manifests. */
import assert from 'node:assert/strict';
import {
  concatBytes,
  keepSamples,
  makeBox,
  placeFragment,
  readFragments,
  sampleTimes,
  setLastSampleDuration,
  toUnsignedCts,
  view,
} from '../../src/media/package/isobmff.js';
import {
  AAC_FRAME,
  audioChunkWindow,
  checkVideoFragment,
  planAudioChunks,
  withSourceTiming,
} from '../../src/media/encode/cmaf.js';
import { segmentEncodeCommand } from '../../src/media/encode/args.js';
import { ffArgs } from '../../src/media/ffmpeg/command.js';
import { partRanges } from '../../src/media/package/package.js';
import {
  dashManifest,
  hlsMasterPlaylist,
  hlsMediaPlaylist,
  hlsPlaylists,
  peakBitrate,
  type PackageModel,
} from '../../src/media/package/manifests.js';
import { PRESETS, selectRenditions } from '../../src/media/plan/presets.js';
import type { EncoderError } from '../../src/errors.js';

const u32 = (...xs: number[]) => {
  const b = new Uint8Array(xs.length * 4);
  xs.forEach((x, i) => view(b).setUint32(i * 4, x >>> 0));
  return b;
};

/**
 * A fragment as ffmpeg writes one: moof(mfhd, traf(tfhd default-base-is-moof, tfdt v0, trun
 * v1 with data offset, sizes, cts and optional durations)), mdat whose sample i is bytes of value i.
 */
function fragment(p: {
  sizes: number[];
  cts: number[];
  durations?: number[];
  defaultDuration?: number;
  tfdt?: number;
}): Uint8Array {
  const n = p.sizes.length;
  const flags = 0x1 | 0x200 | 0x800 | (p.durations ? 0x100 : 0);
  const entries = p.sizes.flatMap((s, i) => [...(p.durations ? [p.durations[i]] : []), s, p.cts[i]]);
  const build = (offset: number) =>
    makeBox(
      'moof',
      makeBox('mfhd', u32(0, 1)),
      makeBox(
        'traf',
        makeBox('tfhd', u32(0x020008, 1, p.defaultDuration ?? 512)),
        makeBox('tfdt', u32(0, p.tfdt ?? 0)),
        makeBox('trun', u32((1 << 24) | flags, n, offset, ...entries)),
      ),
    );
  const moof = build(build(0).length + 8);
  const mdat = makeBox('mdat', concatBytes(p.sizes.map((s, i) => new Uint8Array(s).fill(i))));
  return concatBytes([moof, mdat]);
}

/** The mdat payload bytes of sample i, located through the trun's data offset. */
function sampleBytes(media: Uint8Array): number[][] {
  const f = readFragments(media)[0];
  const dv = view(media);
  const moofSize = dv.getUint32(0);
  let off = 0;
  // The trun's data offset (from the moof's start), found by its type.
  for (let i = 0; i < moofSize - 4; i++)
    if (media[i] === 0x74 && media[i + 1] === 0x72 && media[i + 2] === 0x75 && media[i + 3] === 0x6e)
      off = dv.getInt32(i + 12);
  const out: number[][] = [];
  for (const s of f.samples) {
    out.push([...media.subarray(off, off + s.size)]);
    off += s.size;
  }
  return out;
}

describe('ISO-BMFF fragment rewriting', () => {
  const f = fragment({ sizes: [5, 3, 4, 2], cts: [0, 1024, -512, -512], tfdt: 0 });

  it('places a fragment: tfdt widened to 64 bits, data offset moved with it, samples untouched', () => {
    const placed = placeFragment(f, { baseDecodeTime: 2 ** 33 + 7, sequence: 9, trackId: 2 });
    const info = readFragments(placed, { duration: 512, size: 0, flags: 0 })[0];
    assert.equal(info.baseDecodeTime, 2 ** 33 + 7);
    assert.equal(info.sequence, 9);
    assert.equal(info.trackId, 2);
    assert.equal(placed.length, f.length + 4);
    assert.deepEqual(sampleBytes(placed), [
      [0, 0, 0, 0, 0],
      [1, 1, 1],
      [2, 2, 2, 2],
      [3, 3],
    ]);
    assert.deepEqual(
      sampleTimes(info).pts.map((x) => x - info.baseDecodeTime),
      [0, 1536, 512, 1024],
    );
  });

  it('keeps a run of samples by bytes (the audio pre-roll and look-ahead dropped)', () => {
    const kept = keepSamples(f, 1, 2);
    const info = readFragments(kept)[0];
    assert.deepEqual(
      info.samples.map((s) => s.size),
      [3, 4],
    );
    assert.deepEqual(sampleBytes(kept), [
      [1, 1, 1],
      [2, 2, 2, 2],
    ]);
  });

  it('sets the last sample duration, adding per-sample durations when the trun had none', () => {
    const d = { duration: 512, size: 0, flags: 0 };
    const longer = setLastSampleDuration(f, 3000, d);
    const info = readFragments(longer, d)[0];
    assert.deepEqual(
      info.samples.map((s) => s.duration),
      [512, 512, 512, 3000],
    );
    assert.deepEqual(sampleBytes(longer), sampleBytes(f));
    const withDur = fragment({ sizes: [1, 1], cts: [0, 0], durations: [100, 200] });
    assert.deepEqual(
      readFragments(setLastSampleDuration(withDur, 7))[0].samples.map((s) => s.duration),
      [100, 7],
    );
  });

  it('turns signed composition offsets into unsigned ones shifted by the delay', () => {
    const u = toUnsignedCts(f, 512);
    const info = readFragments(u)[0];
    assert.equal(info.trunVersion, 0);
    assert.deepEqual(
      info.samples.map((s) => s.cts),
      [512, 1536, 0, 0],
    );
    assert.throws(() => toUnsignedCts(f, 100), /below/);
  });

  it('refuses a fragment whose first frame is not presented at its decode time (the 2018 build)', () => {
    const d = { duration: 512, size: 0, flags: 0 };
    const ok = readFragments(f, d)[0];
    ok.samples[0].sync = true;
    assert.doesNotThrow(() => checkVideoFragment(ok, { count: 4, spanTicks: 2048, what: 's' }));
    assert.throws(
      () => checkVideoFragment(ok, { count: 5, spanTicks: 2048, what: 's' }),
      (e: EncoderError) => e.code === 'SEGMENT_MISMATCH',
    );
    // Frame 1 is presented at 1536: a segment of 1024 ticks ends before it.
    assert.throws(
      () => checkVideoFragment(ok, { count: 4, spanTicks: 1024, what: 's' }),
      (e: EncoderError) =>
        e.code === 'ENCODER_UNSUPPORTED' &&
        /frame 1 .* 1536 ticks, at or past the segment's end 1024/.test(e.message) &&
        !/ffmpeg 5\.1/.test(e.message),
    );
    const twice = readFragments(fragment({ sizes: [1, 1, 1], cts: [0, 512, 0] }), d)[0];
    twice.samples[0].sync = true;
    assert.throws(
      () => checkVideoFragment(twice, { count: 3, spanTicks: 4096, what: 's' }),
      /frames 1 and 2 \(decode order\) are both presented at 1024/,
    );
    const shifted = readFragments(fragment({ sizes: [1, 1], cts: [512, 0] }), d)[0];
    shifted.samples[0].sync = true;
    assert.throws(
      () => checkVideoFragment(shifted, { count: 2, spanTicks: 1024, what: 's' }),
      (e: EncoderError) => e.code === 'ENCODER_UNSUPPORTED',
    );
  });
});

describe('source timing of a video fragment (withSourceTiming)', () => {
  const d = { duration: 512, size: 0, flags: 0 };
  it('gives every sample the source duration of its frame, the last one until the segment end, presentation unchanged', () => {
    // What x264 + the mov muxer write for a phone's first frame of 16560 ticks then 3000 (B-frames):
    // decode durations from the encoder's own clock, presentation times right.
    const enc = fragment({
      sizes: [5, 3, 4, 2],
      cts: [0, 0, 3000, -16560],
      durations: [16560, 3000, 16560, 3000],
      tfdt: 0,
    });
    const before = sampleTimes(readFragments(enc, d)[0]);
    assert.deepEqual(before.pts, [0, 16560, 22560, 19560]);
    assert.equal(before.end, 39120, "the encoder's decode timeline is longer than the segment");
    const fixed = withSourceTiming(enc, 25560, d);
    const info = readFragments(fixed, d)[0];
    const after = sampleTimes(info);
    assert.deepEqual(after.pts, before.pts, 'every frame presented where it was');
    assert.deepEqual(
      info.samples.map((s) => s.duration),
      [16560, 3000, 3000, 3000],
      "durations: the source frames' (184 ms, then 33 ms), the last until the end",
    );
    assert.equal(after.end, 25560);
    assert.equal(info.trunVersion, 1);
    assert.deepEqual(sampleBytes(fixed), sampleBytes(enc), "the samples' bytes found through the moved data offset");
  });
  it('adds duration fields to a trun that had none (constant rate: default durations)', () => {
    const fixed = withSourceTiming(f0(), 2048, d);
    const info = readFragments(fixed, d)[0];
    assert.deepEqual(
      info.samples.map((s) => s.duration),
      [512, 512, 512, 512],
    );
    assert.deepEqual(sampleTimes(info).pts, [0, 1536, 512, 1024]);
    assert.deepEqual(sampleBytes(fixed), sampleBytes(f0()));
  });
  const f0 = () => fragment({ sizes: [5, 3, 4, 2], cts: [0, 1024, -512, -512], tfdt: 0 });
});

describe('audio chunks', () => {
  it('cuts at the AAC frame nearest each video cut and ends within one frame after the video', () => {
    const c = planAudioChunks([0, 2, 4.01], 6, 48000);
    assert.deepEqual(
      c.map((x) => [x.from, x.to]),
      [
        [0, 96256],
        [96256, 192512],
        [192512, 288768],
      ],
    );
    for (const x of c) assert.equal(x.from % AAC_FRAME, 0);
    assert.ok(c[2].to / 48000 >= 6 && c[2].to / 48000 - 6 < AAC_FRAME / 48000);
  });

  it('keeps the priming packet of the first chunk only, and places every chunk on one decode timeline', () => {
    const [a, b] = planAudioChunks([0, 2], 4, 48000);
    const wa = audioChunkWindow(a);
    const wb = audioChunkWindow(b);
    assert.deepEqual(
      [wa.encodeFrom, wa.keepFrom, wa.keepCount, wa.baseDecodeTime],
      [0, 0, (a.to - a.from) / 1024 + 1, 0],
    );
    // The first chunk's kept packets end exactly where the second's begin (decode time).
    assert.equal(wa.baseDecodeTime + wa.keepCount * 1024, wb.baseDecodeTime);
    assert.equal(wb.encodeFrom, b.from - 2048);
    assert.equal(wb.keepFrom, 3);
  });
});

describe('CMAF segment encode arguments', () => {
  it('writes each output as a single-fragment fMP4 in the source timescale, keeping passthrough timing', () => {
    const preset = PRESETS['h264-ladder'];
    const outputs = selectRenditions(preset, 1280, 720).map((r) => ({ rendition: r, file: `/w/${r.name}.mp4` }));
    const args = ffArgs(
      segmentEncodeCommand({
        source: { kind: 'piece', file: '/w/in.nut', skip: 0, totalFrames: 60 },
        preset,
        outputs,
        count: 60,
        rotation: 0,
        container: { cmaf: { num: 1, den: 15360 } },
      }),
    );
    assert.ok(!args.some((a, i) => a === '-f' && args[i + 1] === 'nut'));
    for (const o of outputs) {
      const at = args.indexOf(o.file);
      const before = args.slice(0, at);
      assert.equal(before.at(-1), 'mp4');
      assert.equal(before[before.lastIndexOf('-video_track_timescale') + 1], '15360');
      assert.match(before[before.lastIndexOf('-movflags') + 1], /empty_moov.*default_base_moof.*negative_cts_offsets/);
    }
    assert.ok(args.includes('passthrough'));
    assert.equal(args.filter((a) => a === '-enc_time_base').length, outputs.length);
  });
});

describe('HLS and DASH from the pieces', () => {
  const model: PackageModel = {
    video: [
      {
        id: '720p',
        timescale: 15360,
        codec: 'avc1.64001f',
        width: 1280,
        height: 720,
        frameRate: 30,
        segments: [0, 1, 2].map((i) => ({
          start: i * 61440,
          duration: i < 2 ? 61440 : 30720,
          bytes: [1_000_000, 1_500_000, 400_000][i],
        })),
      },
      {
        id: 'hevc',
        timescale: 15360,
        codec: 'hvc1.1.6.L93.B0',
        width: 640,
        height: 360,
        frameRate: 30,
        segments: [0, 1, 2].map((i) => ({ start: i * 61440, duration: i < 2 ? 61440 : 30720, bytes: 100_000 })),
      },
    ],
    audio: [
      {
        id: 'audio',
        timescale: 48000,
        codec: 'mp4a.40.2',
        sampleRate: 48000,
        channels: 2,
        language: 'en',
        name: 'English',
        presentationTimeOffset: 1024,
        segments: [
          { start: 0, duration: 193536, bytes: 64_000 },
          { start: 193536, duration: 191488, bytes: 64_000 },
          { start: 385024, duration: 96256, bytes: 32_000 },
        ],
      },
    ],
  };

  it('media playlists declare the exact durations, the init and an integer target duration', () => {
    const pl = hlsMediaPlaylist(model.video[0], 4);
    assert.match(pl, /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n/);
    assert.match(
      pl,
      /#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI="..\/cmaf\/720p\/init.mp4"\n#EXTINF:4.000000,\n..\/cmaf\/720p\/seg-00000.m4s\n/,
    );
    assert.match(pl, /#EXTINF:2.000000,\n..\/cmaf\/720p\/seg-00002.m4s\n#EXT-X-ENDLIST\n$/);
    // The audio's first segment starts with the priming packet, which is not presented.
    assert.match(hlsMediaPlaylist(model.audio[0], 4), /#EXTINF:4.010667,/);
  });

  it('the master declares peak and average bandwidth (video + audio), codecs, size, frame rate and the audio group', () => {
    const m = hlsMasterPlaylist(model);
    assert.match(
      m,
      /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"/,
    );
    const peak = peakBitrate(model.video[0], 4) + peakBitrate(model.audio[0], 4);
    assert.ok(peak >= 3_000_000, 'the 1.5 MB segment of 4 s is 3 Mb/s');
    assert.match(
      m,
      new RegExp(
        `#EXT-X-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=\\d+,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO="audio"\\n720p.m3u8`,
      ),
    );
    assert.match(m, /CODECS="hvc1.1.6.L93.B0,mp4a.40.2",RESOLUTION=640x360/);
  });

  it('the MPD has one video adaptation set per codec family (H.264, HEVC) and one audio set, exact timelines and measured bandwidth', () => {
    const mpd = dashManifest(model);
    assert.match(
      mpd,
      /profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT10.000S"/,
    );
    assert.match(mpd, /<S t="0" d="61440" r="1"\/>\n\s*<S t="122880" d="30720"\/>/);
    assert.match(mpd, /presentationTimeOffset="1024"/);
    assert.match(mpd, /contentType="audio" mimeType="audio\/mp4" lang="en"/);
    const bw = Number(/<Representation id="720p" bandwidth="(\d+)"/.exec(mpd)![1]);
    assert.ok(bw >= 3_000_000, `bandwidth ${bw} covers the peak segment`);
    assert.equal((mpd.match(/<AdaptationSet /g) ?? []).length, 3);
  });

  it('several audio tracks and subtitles: one audio rendition each (the first DEFAULT), a subtitle group; one adaptation set each in the MPD', () => {
    const fra = {
      ...model.audio[0],
      id: 'audio2',
      language: 'fra',
      name: 'Français',
      channels: 6,
      segments: model.audio[0].segments.map((x) => ({ ...x, bytes: x.bytes * 3 })),
    };
    const full: PackageModel = {
      ...model,
      audio: [model.audio[0], fra],
      text: [
        { id: 'text1', language: 'eng', name: 'English' },
        { id: 'text2', language: 'fra', forced: true },
      ],
    };
    const m = hlsMasterPlaylist(full);
    assert.match(m, /NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"/);
    assert.match(m, /NAME="Français",LANGUAGE="fra",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="6",URI="audio2.m3u8"/);
    assert.match(
      m,
      /#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="eng",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="text1.m3u8"/,
    );
    assert.match(
      m,
      /#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="fra",LANGUAGE="fra",DEFAULT=NO,AUTOSELECT=YES,FORCED=YES,URI="text2.m3u8"/,
    );
    // A variant plays with any audio rendition: the larger one is declared.
    const peak = peakBitrate(model.video[0], 4) + peakBitrate(fra, 4);
    assert.match(
      m,
      new RegExp(`#EXT-X-STREAM-INF:BANDWIDTH=${peak},[^\\n]*AUDIO="audio",SUBTITLES="subs"\\n720p.m3u8`),
    );
    const pls = hlsPlaylists(full);
    assert.equal(
      pls['hls/text2.m3u8'],
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:10.000000,\n../subs/text2.vtt\n#EXT-X-ENDLIST\n',
    );
    const mpd = dashManifest(full);
    assert.equal((mpd.match(/<AdaptationSet /g) ?? []).length, 6);
    assert.match(mpd, /<AdaptationSet id="3" contentType="audio" mimeType="audio\/mp4" lang="fra"[^>]*>\n(?!\s*<Role)/);
    assert.match(
      mpd,
      /<AdaptationSet id="4" contentType="text" mimeType="text\/vtt" lang="eng">\n\s*<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"\/>\n\s*<Label>English<\/Label>\n\s*<Representation id="text1" bandwidth="256">\n\s*<BaseURL>..\/subs\/text1.vtt<\/BaseURL>/,
    );
    assert.match(
      mpd,
      /<AdaptationSet id="5" contentType="text" mimeType="text\/vtt" lang="fra">\n\s*<Role schemeIdUri="urn:mpeg:dash:role:2011" value="forced-subtitle"\/>/,
    );
  });

  it('MP4 parts: consecutive fragments grouped to at least the minimum (the first part counts the init), the last part may be smaller', () => {
    const MiB = 1024 * 1024;
    assert.deepEqual(partRanges([3 * MiB, 3 * MiB, 3 * MiB, 3 * MiB, 1 * MiB], 1000, 5 * MiB), [
      { from: 0, to: 2 },
      { from: 2, to: 4 },
      { from: 4, to: 5 },
    ]);
    assert.deepEqual(partRanges([1000, 2000], 500, 5 * MiB), [{ from: 0, to: 2 }], 'a small file is one part');
    assert.deepEqual(partRanges([6 * MiB, 6 * MiB], 0, 5 * MiB), [
      { from: 0, to: 1 },
      { from: 1, to: 2 },
    ]);
    assert.deepEqual(partRanges([4 * MiB, 100, 6 * MiB], 2 * MiB, 5 * MiB), [
      { from: 0, to: 1 },
      { from: 1, to: 3 },
    ]);
    for (const r of partRanges(
      Array.from({ length: 50 }, (_, i) => (i % 7) * 400_000 + 50_000),
      700,
      5 * MiB,
    ).slice(0, -1))
      assert.ok(r.to > r.from);
  });
});
