import assert from 'node:assert/strict';
import { checkPacketIndex, parsePacketCsv, parseStreamProbe, normalizeRotation } from '../../src/media/probe/probe.js';
import { InputError } from '../../src/errors.js';

const code = (c: string) => (e: unknown) => e instanceof InputError && e.code === c;

describe('probe parsing', () => {
  it('reads the packet index in decode order with keyframes', () => {
    const idx = parsePacketCsv(
      '0,-1024,512,K_\n1024,-512,512,__\n512,0,512,__\nN/A,N/A,512,__\n2048,512,N/A,K\n4096,1024,512,_D_\n',
    );
    assert.deepEqual(idx.pts, [0, 1024, 512, 2048, 4096]);
    assert.deepEqual(idx.keyframes, [0, 3]);
    assert.deepEqual(idx.duration, [512, 512, 512, 0, 512]);
    assert.deepEqual(idx.discard, [4]);
  });

  it('an audio-only file is INPUT_NO_VIDEO; cover art is not video', () => {
    const json = JSON.stringify({
      streams: [
        { index: 0, codec_type: 'audio', codec_name: 'aac' },
        {
          index: 1,
          codec_type: 'video',
          codec_name: 'mjpeg',
          width: 300,
          height: 300,
          time_base: '1/90000',
          disposition: { attached_pic: 1 },
        },
      ],
    });
    assert.throws(() => parseStreamProbe(json), code('INPUT_NO_VIDEO'));
  });

  it('picks the first real video stream and its rotation', () => {
    const info = parseStreamProbe(
      JSON.stringify({
        format: { format_name: 'mov,mp4', duration: '3.5', size: '1000' },
        streams: [
          {
            index: 0,
            codec_type: 'video',
            codec_name: 'h264',
            width: 1920,
            height: 1080,
            time_base: '1/600',
            avg_frame_rate: '30/1',
            nb_frames: '105',
            pix_fmt: 'yuv420p',
            side_data_list: [{ rotation: -90 }],
          },
          { index: 1, codec_type: 'audio', codec_name: 'aac', channels: 6, sample_rate: '48000' },
        ],
      }),
    );
    assert.equal(info.video.rotation, 90);
    assert.deepEqual(info.video.timeBase, { num: 1, den: 600 });
    assert.equal(info.video.headerFrames, 105);
    assert.equal(info.audio?.channels, 6);
    assert.equal(normalizeRotation(90), 270);
    assert.equal(normalizeRotation(180), 180);
  });

  it('MPEG-4 Part 2 in AVI (DivX/XviD: no pts, packed B-frames) is marked packedSlots; MPEG-4 in MP4 and Cinepak in AVI are not', () => {
    const info = (format_name: string, codec_name: string) =>
      parseStreamProbe(
        JSON.stringify({
          format: { format_name },
          streams: [{ index: 0, codec_type: 'video', codec_name, width: 2, height: 2, time_base: '1001/24000' }],
        }),
      ).video;
    assert.equal(info('avi', 'mpeg4').packedSlots, true);
    assert.equal(info('mov,mp4,m4a,3gp,3g2,mj2', 'mpeg4').packedSlots, undefined);
    assert.equal(info('avi', 'cinepak').packedSlots, undefined);
  });

  it('fewer packets than the header promises: INPUT_TRUNCATED when the last is cut short, accepted when all demux cleanly; none is INPUT_NO_FRAMES', () => {
    const info = parseStreamProbe(
      JSON.stringify({
        streams: [
          {
            index: 0,
            codec_type: 'video',
            codec_name: 'h264',
            width: 2,
            height: 2,
            time_base: '1/30',
            nb_frames: '10',
          },
        ],
      }),
    );
    const cut = '[avi @ 0x1] Packet corrupt (stream = 0, dts = 1).\n';
    assert.throws(() => checkPacketIndex(info, parsePacketCsv('0,0,1,K\n1,1,1,_\n'), cut), code('INPUT_TRUNCATED'));
    assert.throws(
      () =>
        checkPacketIndex(
          info,
          parsePacketCsv('0,0,1,K\n1,1,1,_\n'),
          '[mov,mp4 @ 0x1] stream 0, offset 0x30: partial file\n',
        ),
      code('INPUT_TRUNCATED'),
    );
    assert.match(
      checkPacketIndex(info, parsePacketCsv('0,0,1,K\n1,1,1,_\n'), '').note ?? '',
      /header lists 10 video frames, 2 demux cleanly/,
    );
    assert.deepEqual(
      checkPacketIndex(
        info,
        parsePacketCsv(Array.from({ length: 10 }, (_, i) => `${i},${i},1,${i ? '_' : 'K'}`).join('\n')),
        '',
      ),
      {},
    );
    assert.throws(() => checkPacketIndex(info, parsePacketCsv(''), ''), code('INPUT_NO_FRAMES'));
  });
});
