import assert from 'node:assert/strict';
import { segmentEncodeCommand, type EncodeOutput } from '../../src/media/encode/args.js';
import { ffArgs, ffInput, mergeCommands, type FfCommand } from '../../src/media/ffmpeg/command.js';
import type { Preset } from '../../src/media/plan/presets.js';
import {
  buildRangeInputArgs,
  chooseReadMode,
  DTS_HEURISTIC_US,
  hasVideoDelay,
  planRangeReads,
  rangeFrameSelect,
  rangeSeekSeconds,
} from '../../src/media/input/rangeInput.js';
import { applyEditList } from '../../src/media/probe/mp4index.js';
import {
  buildStreamProbeWithHeadArgs,
  locateMoov,
  parseHeadPackets,
  type RangeSource,
} from '../../src/media/probe/indexProbe.js';
import { getPreset, selectRenditions } from '../../src/media/plan/presets.js';
import type { PacketIndex } from '../../src/media/probe/probe.js';

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const all = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
const TB = { num: 1, den: 15360 };
/** A range read's segment encode into NUT pieces, rendered. */
const rangeEncode = (p: {
  url: string;
  seek?: string;
  videoStream: number;
  select: string;
  preset: Preset;
  outputs: EncodeOutput[];
  count: number;
  rotation: number;
  threads?: number;
}) =>
  ffArgs(
    segmentEncodeCommand({
      source: { kind: 'range', url: p.url, seek: p.seek, videoStream: p.videoStream, select: p.select },
      preset: p.preset,
      outputs: p.outputs,
      count: p.count,
      rotation: p.rotation,
      threads: p.threads,
      container: { nut: true },
    }),
  );

describe('range reads: argument builders', () => {
  it('seek target: the keyframe dts rounded up to the microsecond, plus the dts heuristic with B-frames', () => {
    const idx = { dts: [-1024, 0, 18432, 18433] } as PacketIndex;
    assert.equal(rangeSeekSeconds(idx, 0, TB, true), undefined, 'the first segment reads from the start');
    assert.equal(rangeSeekSeconds(idx, 2, TB, false), '1.200000');
    // 18433/15360 s = 1.20006510... s: rounded up, never down (a tick below picks the keyframe before).
    assert.equal(rangeSeekSeconds(idx, 3, TB, false), '1.200066');
    assert.equal(DTS_HEURISTIC_US, 130434);
    assert.equal(rangeSeekSeconds(idx, 2, TB, true), '1.330434');
    assert.equal(rangeSeekSeconds({ dts: [0, -30000] } as PacketIndex, 1, { num: 1, den: 90000 }, false), '-0.333333');
  });

  it('input: presigned URL with the source whitelist, seek by timestamp without frame dropping, source timestamps', () => {
    const a = buildRangeInputArgs({ url: 'https://b.s3/x?sig', seek: '1.200000' });
    assert.equal(after(a, '-protocol_whitelist'), 'http,https,tcp,tls,crypto');
    assert.equal(after(a, '-ss'), '1.200000');
    assert.equal(after(a, '-seek_timestamp'), '1');
    assert.ok(a.includes('-noaccurate_seek') && a.includes('-copyts') && a.includes('-noautorotate'));
    assert.ok(a.indexOf('-ss') < a.indexOf('-i'), 'an input option');
    assert.equal(a[a.length - 1], 'https://b.s3/x?sig');
    assert.ok(!buildRangeInputArgs({ url: '/s.mp4' }).includes('-ss'));
  });

  it('frames are selected by source pts, discarded frames not counted', () => {
    // Display order 0..9 (pts), decode order with B-frames; packet 1 (pts 0) is discarded by
    // the edit list; the segment keeps pts 1..8.
    const idx: PacketIndex = {
      pts: [2, 0, 1, 5, 3, 4, 8, 6, 7, 9],
      dts: [],
      duration: [],
      keyframes: [0],
      discard: [1],
    };
    const sel = rangeFrameSelect(idx, { startPacket: 0, endPacket: 10, startPts: 1, count: 8 });
    assert.deepEqual([sel.firstPts, sel.lastPts], [1, 8]);
    assert.equal(sel.filter, 'select=between(pts\\,1\\,8)');
    assert.throws(() => rangeFrameSelect(idx, { startPacket: 0, endPacket: 10, startPts: 1, count: 10 }));
  });

  it('the plan range reads: one seek and selection per segment; the B-frame heuristic from the stream probe', () => {
    const idx: PacketIndex = { pts: [0, 1, 2, 3, 4, 5], dts: [-1, 0, 1, 2, 3, 4], duration: [], keyframes: [0, 3] };
    const segs = [
      { index: 0, splitFile: 0, startPacket: 0, endPacket: 3, skip: 0, count: 3, startPts: 0, endPts: 3 },
      { index: 1, splitFile: 1, startPacket: 3, endPacket: 6, skip: 0, count: 3, startPts: 3, endPts: 6 },
    ];
    assert.deepEqual(planRangeReads(idx, segs, { num: 1, den: 10 }, false), [
      { seek: undefined, select: 'select=between(pts\\,0\\,2)' },
      { seek: '0.200000', select: 'select=between(pts\\,3\\,5)' },
    ]);
    assert.equal(hasVideoDelay(JSON.stringify({ streams: [{ has_b_frames: 0 }, { has_b_frames: 2 }] })), true);
    assert.equal(hasVideoDelay(JSON.stringify({ streams: [{ codec_type: 'audio' }] })), false);
  });

  it('segment encode by range: the split encode with the source as input, its stream, a frame limit per output', () => {
    const preset = getPreset('h264-ladder');
    const outputs = selectRenditions(preset, 1920, 1080).map((r) => ({ rendition: r, file: `/t/${r.name}.nut` }));
    const a = rangeEncode({
      url: 'https://b/x',
      seek: '4.000000',
      videoStream: 1,
      select: 'select=between(pts\\,61440\\,122368)',
      preset,
      outputs,
      count: 120,
      rotation: 90,
      threads: 1,
    });
    assert.equal(after(a, '-i'), 'https://b/x');
    assert.equal(all(a, '-i').length, 1);
    assert.deepEqual(
      all(a, '-map'),
      outputs.map(() => '0:1'),
    );
    assert.deepEqual(
      all(a, '-frames:v'),
      outputs.map(() => '120'),
    );
    // A rotated source is turned by ffmpeg's autorotate (its display matrix then stays out of the
    // outputs), not by a filter of ours.
    for (const vf of all(a, '-vf')) assert.match(vf, /^select=between\(pts\\,61440\\,122368\),scale=/);
    assert.ok(!a.includes('-noautorotate'));
    assert.ok(
      rangeEncode({ url: 'https://b/x', videoStream: 1, select: 's', preset, outputs, count: 1, rotation: 0 }).includes(
        '-noautorotate',
      ),
    );
    assert.deepEqual(
      all(a, '-f'),
      outputs.map(() => 'nut'),
    );
    assert.ok(!a.some((x) => x.includes('between(n')));
  });

  it('a second command in the same process: its inputs after the main ones, its outputs last, its maps numbered at rendering, globals once', () => {
    const g = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-copyts'];
    const video = ffInput('https://b/x', ['-protocol_whitelist', 'http', '-ss', '4']);
    const main: FfCommand = {
      global: [...g, '-vsync', 'passthrough'],
      inputs: [video],
      outputs: [{ maps: [{ input: video, stream: '0' }], options: ['-c:v', 'libx264'], url: '/t/720p.mp4' }],
    };
    const sideCmd = (): FfCommand => {
      const audio = ffInput('https://b/x', ['-protocol_whitelist', 'http', '-ss', '2.9']);
      return {
        global: g,
        inputs: [audio],
        outputs: [
          {
            maps: [{ input: audio, stream: '1' }],
            options: ['-vn', '-c:a', 'aac', '-t', '4.05'],
            url: '/t/audio-1.mp4',
          },
        ],
      };
    };
    const a = mergeCommands(main, sideCmd());
    assert.deepEqual(ffArgs(a), [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-copyts',
      '-vsync',
      'passthrough',
      '-protocol_whitelist',
      'http',
      '-ss',
      '4',
      '-i',
      'https://b/x',
      '-protocol_whitelist',
      'http',
      '-ss',
      '2.9',
      '-i',
      'https://b/x',
      '-map',
      '0:0',
      '-c:v',
      'libx264',
      '/t/720p.mp4',
      '-map',
      '1:1',
      '-vn',
      '-c:a',
      'aac',
      '-t',
      '4.05',
      '/t/audio-1.mp4',
    ]);
    // A third command goes after the second: input 2.
    assert.deepEqual(all(ffArgs(mergeCommands(a, sideCmd())), '-map'), ['0:0', '1:1', '2:1']);
    assert.throws(
      () => mergeCommands(main, { ...sideCmd(), global: ['-loglevel', 'info'] }),
      /global option -loglevel/,
    );
    assert.throws(
      () => mergeCommands({ ...main, global: main.global.filter((x) => x !== '-copyts') }, sideCmd()),
      /global option -copyts/,
    );
    // A map to an input the command lacks is refused at rendering, never numbered by accident.
    assert.throws(() => ffArgs({ ...main, inputs: [] }), /an input the command does not have/);
  });

  it('read mode: range for MP4/MOV whose index was rebuilt, split otherwise, with the reason', () => {
    const ok = { ok: true as const };
    assert.equal(chooseReadMode({ formatName: 'mov,mp4,m4a,3gp,3g2,mj2', index: ok, timeBase: TB }).mode, 'range');
    const frag = chooseReadMode({
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      index: { ok: false, reason: 'fragmented MP4' },
      timeBase: TB,
    });
    assert.deepEqual(frag, { mode: 'split', reason: 'MP4/MOV index not usable: fragmented MP4' });
    assert.match(chooseReadMode({ formatName: 'mpegts', index: ok, timeBase: TB }).reason, /no cheap index/);
    assert.equal(chooseReadMode({ formatName: 'matroska,webm', index: ok, timeBase: TB }).mode, 'split');
    assert.equal(
      chooseReadMode({ formatName: 'mov,mp4,m4a,3gp,3g2,mj2', index: ok, timeBase: { num: 1, den: 10_000_000 } }).mode,
      'split',
    );
  });
});

describe('probe from the index: pure parts', () => {
  const box = (type: string, body: number, large = false) => {
    const b = Buffer.alloc(large ? 16 : 8);
    if (large) {
      b.writeUInt32BE(1, 0);
      b.writeBigUInt64BE(BigInt(16 + body), 8);
    } else b.writeUInt32BE(8 + body, 0);
    b.write(type, 4, 'latin1');
    return Buffer.concat([b, Buffer.alloc(body, 7)]);
  };
  const source = (buf: Buffer) => {
    const s = {
      size: buf.length,
      reads: [] as [number, number][],
      async read(a: number, b: number) {
        s.reads.push([a, b]);
        return new Uint8Array(buf.subarray(a, b));
      },
    };
    return s satisfies RangeSource;
  };

  it('finds the moov after a large mdat (64-bit size) reading only around the headers', async () => {
    const file = Buffer.concat([box('ftyp', 16), box('mdat', 500_000, true), box('moov', 1000)]);
    const src = source(file);
    const m = await locateMoov(src);
    assert.ok(m.ok);
    assert.equal(m.offset, 24 + 500_016);
    assert.equal(m.bytes.length, 1008);
    assert.equal(String.fromCharCode(...m.bytes.subarray(4, 8)), 'moov');
    const read = src.reads.reduce((n, [a, b]) => n + b - a, 0);
    assert.ok(read < 40_000, `${read} bytes read`);
  });

  it('fragmented files and files without a moov are refused with a reason', async () => {
    const frag = await locateMoov(source(Buffer.concat([box('ftyp', 16), box('moof', 100), box('mdat', 100)])));
    assert.match((frag as { reason: string }).reason, /fragmented/);
    const none = await locateMoov(source(Buffer.concat([box('ftyp', 16), box('mdat', 100)])));
    assert.equal(none.ok, false);
    // A moov cut short is a verdict on the file (bytes are missing), not a fallback to ffprobe.
    await assert.rejects(
      locateMoov(source(Buffer.concat([box('ftyp', 16), box('moov', 100)]).subarray(0, 60))),
      (e: Error & { code?: string }) =>
        e.code === 'INPUT_TRUNCATED' && /moov box at 24 .* is cut short/.test(e.message),
    );
    // faststart: the moov is whole, the mdat after it is cut short.
    const cutData = await locateMoov(
      source(Buffer.concat([box('ftyp', 16), box('moov', 100), box('mdat', 5000)]).subarray(0, 3000)),
    );
    assert.match((cutData as { reason: string }).reason, /truncated: a box at 132/);
  });

  it('head packets: only the video stream, as the packet CSV would read them', () => {
    const json = JSON.stringify({
      packets: [
        { stream_index: 1, pts: 0, dts: 0, duration: 1024, flags: 'K_' },
        { stream_index: 0, pts: 0, dts: -1024, duration: 512, flags: 'K_' },
        { stream_index: 0, pts: 1536, dts: -512, flags: '_D' },
      ],
    });
    const h = parseHeadPackets(json, 0);
    assert.deepEqual(h, { pts: [0, 1536], dts: [-1024, -512], duration: [512, 0], keyframes: [0], discard: [1] });
    const args = buildStreamProbeWithHeadArgs({ url: 'https://x/y' });
    assert.equal(after(args, '-read_intervals'), '%+#128');
    assert.equal(args[args.length - 1], 'https://x/y');
  });

  it('edit list: frames before the start are kept from the keyframe, flagged and counted back; frames after the end flagged', () => {
    // 10 frames of 100 ticks, keyframes at 0 and 5, B-frame-like offsets of 100.
    const raw = Array.from({ length: 10 }, (_, i) => ({
      dts: i * 100,
      ctts: 100,
      sync: i % 5 === 0,
      offset: i,
      size: 1,
    }));
    // Edit from media time 250 for 500 ticks (movie timescale = media timescale).
    const r = applyEditList(raw, [{ mediaTime: 250, rate: 1, duration: 500 }], {
      timescale: 1000,
      movieScale: 1000,
      hasCtts: true,
      mediaDuration: 1000,
    });
    assert.ok(r.ok);
    // cts 100..1000: frames 0 and 1 (cts 100, 200) are before the edit, 7..9 (cts 800..1000) after.
    assert.deepEqual(
      r.entries.map((e) => e.discard),
      [true, true, false, false, false, false, false, true, true, true],
    );
    // dts renumbered so the first frame inside the edit shows at 0: its dts is -100 (ctts 100).
    assert.deepEqual(
      r.entries.map((e) => e.dts),
      [-300, -200, -100, 0, 100, 200, 300, 400, 500, 600],
    );
    assert.equal(r.streamDuration, 500);
    // Anything but leading empty edits and one edit at rate 1 is refused.
    assert.equal(
      applyEditList(
        raw,
        [
          { mediaTime: 0, rate: 1, duration: 300 },
          { mediaTime: 500, rate: 1, duration: 300 },
        ],
        { timescale: 1000, movieScale: 1000, hasCtts: true, mediaDuration: 1000 },
      ).ok,
      false,
    );
    assert.equal(
      applyEditList(raw, [{ mediaTime: 0, rate: 2, duration: 300 }], {
        timescale: 1000,
        movieScale: 1000,
        hasCtts: true,
        mediaDuration: 1000,
      }).ok,
      false,
    );
  });
});

describe('encoder statistics and threads', () => {
  it('final statistics: frames per output file from ffmpeg 5.1 and 2018 builds', async () => {
    const { parseFinalStats, videoFramesPerOutput, withFinalStats } = await import(
      '../../src/media/encode/encoderStats.js'
    );
    const stderr = [
      'Input file #0 (/t/in.nut):',
      '  Input stream #0:0 (video): 48 packets read (123 bytes); 48 frames decoded; ',
      'Output file #0 (/t/720p.nut):',
      '  Output stream #0:0 (video): 40 frames encoded; 40 packets muxed (54941 bytes); ',
      '  Total: 40 packets (54941 bytes) muxed',
      'Output file #1 (/t/480p.nut):',
      '  Output stream #1:0 (video): 39 frames encoded; 39 packets muxed (23400 bytes); ',
      'Output file #2 (/t/a.mp4):',
      '  Output stream #2:0 (audio): 94 frames encoded (96256 samples); 94 packets muxed (1500 bytes); ',
    ].join('\n');
    const s = parseFinalStats(stderr);
    assert.equal(s.length, 3);
    assert.deepEqual(videoFramesPerOutput(s, 4), [40, 39, undefined, undefined]);
    assert.deepEqual(withFinalStats(['-hide_banner', '-loglevel', 'error', '-i', 'x']), [
      '-hide_banner',
      '-loglevel',
      'verbose',
      '-i',
      'x',
    ]);
  });

  it('threads: one per encoder at a core or less per process, else the cores split among its encoders, at least two', async () => {
    const { encoderThreads } = await import('../../src/media/encode/encoderStats.js');
    assert.equal(encoderThreads({ cores: 2, concurrentWorkers: 2, renditions: 3 }), 1, 'local: one segment per core');
    assert.equal(
      encoderThreads({ cores: 2, concurrentWorkers: 1, renditions: 3 }),
      2,
      'a 3008 MB Lambda: the encoders overlap',
    );
    assert.equal(encoderThreads({ cores: 6, concurrentWorkers: 1, renditions: 3 }), 2, 'a 10 GB Lambda');
    assert.equal(encoderThreads({ cores: 16, concurrentWorkers: 2, renditions: 2 }), 4, 'ECS task');
    assert.equal(encoderThreads({ cores: 1, concurrentWorkers: 1, renditions: 1 }), 1);
  });
});
