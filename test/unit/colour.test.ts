import assert from 'node:assert/strict';
import {
  colourFilters,
  colourTagArgs,
  stillColourFilters,
  hdrTransfer,
  parseFrameSideData,
  parseSourceColour,
  pixFmtBitDepth,
  planColour,
  x265HdrParams,
} from '../../src/media/encode/colour.js';
import { parseStreamProbe } from '../../src/media/probe/probe.js';
import { buildStillOutputs } from '../../src/media/stills/stills.js';

const pqFrame = JSON.stringify({
  frames: [
    {
      side_data_list: [
        {
          side_data_type: 'Mastering display metadata',
          red_x: '34000/50000',
          red_y: '16000/50000',
          green_x: '13250/50000',
          green_y: '34500/50000',
          blue_x: '7500/50000',
          blue_y: '3000/50000',
          white_point_x: '15635/50000',
          white_point_y: '16450/50000',
          min_luminance: '50/10000',
          max_luminance: '10000000/10000',
        },
        { side_data_type: 'Content light level metadata', max_content: 1000, max_average: 400 },
      ],
    },
  ],
});

describe('colour (colour.ts)', () => {
  it('detects PQ and HLG from the probe, with bit depth; SDR and untagged are not HDR', () => {
    const info = parseStreamProbe(
      JSON.stringify({
        streams: [
          {
            index: 0,
            codec_type: 'video',
            codec_name: 'hevc',
            width: 3840,
            height: 2160,
            time_base: '1/90000',
            pix_fmt: 'yuv420p10le',
            color_range: 'tv',
            color_space: 'bt2020nc',
            color_transfer: 'arib-std-b67',
            color_primaries: 'bt2020',
            bits_per_raw_sample: 'N/A',
          },
        ],
      }),
    );
    assert.deepEqual(info.video.colour, {
      bitDepth: 10,
      primaries: 'bt2020',
      transfer: 'arib-std-b67',
      matrix: 'bt2020nc',
      range: 'tv',
    });
    assert.equal(hdrTransfer(info.video.colour), 'hlg');
    assert.equal(hdrTransfer({ bitDepth: 10, transfer: 'smpte2084' }), 'pq');
    assert.equal(hdrTransfer({ bitDepth: 8, transfer: 'bt709' }), undefined);
    assert.equal(hdrTransfer(parseSourceColour({ pix_fmt: 'yuv420p', color_transfer: 'unknown' })), undefined);
    assert.deepEqual(
      [pixFmtBitDepth('yuv420p'), pixFmtBitDepth('p010le'), pixFmtBitDepth('yuv422p12be'), pixFmtBitDepth('nv12')],
      [8, 10, 12, 8],
    );
  });

  it('reads mastering display and content light from stream or first-frame side data', () => {
    const c = parseSourceColour({ pix_fmt: 'yuv420p10le', color_transfer: 'smpte2084' }, parseFrameSideData(pqFrame));
    assert.deepEqual(c.contentLight, { maxContent: 1000, maxAverage: 400 });
    assert.equal(c.masteringDisplay?.maxLuminance, '10000000/10000');
    assert.deepEqual(parseFrameSideData('not json'), []);
  });

  it('per preset: tone-map to BT.709 SDR, or keep HDR; SDR sources untouched', () => {
    const hlg = { bitDepth: 10, primaries: 'bt2020', transfer: 'arib-std-b67', matrix: 'bt2020nc', range: 'tv' };
    assert.deepEqual(planColour({ hdr: 'tonemap' }, { bitDepth: 8 }), { mode: 'sdr' });
    assert.deepEqual(planColour({ hdr: 'keep' }, undefined), { mode: 'sdr' });
    const tm = planColour({ hdr: 'tonemap' }, hlg);
    assert.equal(tm.mode, 'tonemap');
    assert.deepEqual(colourFilters(tm, { width: 1280, height: 720 }, 'yuv420p'), [
      'scale=1280:720',
      'zscale=tin=arib-std-b67:pin=2020:min=2020_ncl:rin=limited:t=linear:npl=100',
      'format=gbrpf32le',
      'zscale=p=bt709',
      'tonemap=tonemap=hable:desat=0',
      'zscale=t=bt709:m=bt709:r=limited',
      'format=yuv420p',
    ]);
    assert.deepEqual(colourTagArgs(tm), [
      '-color_primaries',
      'bt709',
      '-color_trc',
      'bt709',
      '-colorspace',
      'bt709',
      '-color_range',
      'tv',
    ]);
    const keep = planColour({ hdr: 'keep' }, hlg);
    assert.deepEqual(colourFilters(keep, { width: 1280, height: 720 }, 'yuv420p10le'), [
      'scale=1280:720',
      'format=yuv420p10le',
    ]);
    assert.deepEqual(colourTagArgs(keep), [
      '-color_primaries',
      'bt2020',
      '-color_trc',
      'arib-std-b67',
      '-colorspace',
      'bt2020nc',
      '-color_range',
      'tv',
    ]);
    assert.deepEqual(colourTagArgs({ mode: 'sdr' }), []);
  });

  it('x265 HDR10 parameters in x265 units (G, B, R, WP, L(max,min)), MaxCLL/MaxFALL', () => {
    const pq = parseSourceColour(
      { pix_fmt: 'yuv420p10le', color_transfer: 'smpte2084', color_primaries: 'bt2020', color_space: 'bt2020nc' },
      parseFrameSideData(pqFrame),
    );
    assert.deepEqual(x265HdrParams(planColour({ hdr: 'keep' }, pq)), [
      'master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)',
      'max-cll=1000,400',
      'hdr10=1',
      'repeat-headers=1',
    ]);
    assert.deepEqual(x265HdrParams(planColour({ hdr: 'tonemap' }, pq)), []);
  });

  it('stills (poster, sprite) of an HDR source are tone-mapped at their own size, whatever the preset keeps; SDR stills untouched', () => {
    const hlg = { bitDepth: 10, primaries: 'bt2020', transfer: 'arib-std-b67', matrix: 'bt2020nc', range: 'tv' };
    const chain = stillColourFilters(hlg, 'rgb24');
    assert.ok(!chain.some((f) => f.startsWith('scale=')), 'no resize');
    assert.match(chain[0], /^zscale=tin=arib-std-b67:pin=2020:min=2020_ncl:rin=limited:t=linear/);
    assert.ok(chain.includes('tonemap=tonemap=hable:desat=0'));
    assert.equal(chain.at(-1), 'format=rgb24');
    assert.deepEqual(
      stillColourFilters({ bitDepth: 8, primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', range: 'tv' }, 'rgb24'),
      [],
    );
    assert.deepEqual(stillColourFilters(undefined, 'rgb24'), []);
    // As the segment workers write them: the chain after the frame selection, before the tile's scale.
    const video = { input: { options: [], url: '/in.mp4' }, stream: '0' };
    const out = buildStillOutputs({
      stills: { tiles: [{ k: 0, pts: 0, j: 0 }], poster: { pts: 0, j: 0 } },
      video,
      by: { pts: true },
      rotation: 0,
      colour: stillColourFilters(hlg, 'yuv420p'),
      tile: { width: 160, height: 90, pattern: '/t_%05d.jpg' },
      poster: '/p.png',
    });
    const [tiles, poster] = out.map((o) => o.options[o.options.indexOf('-vf') + 1]);
    assert.deepEqual(
      out.map((o) => o.maps),
      [[video], [video]],
    );
    assert.match(
      tiles,
      /^select=eq\(pts\\,0\),zscale=.*tonemap=tonemap=hable.*format=yuv420p,scale=160:90:force_original_aspect_ratio=decrease/,
    );
    assert.equal(poster, ['select=eq(pts\\,0)', ...stillColourFilters(hlg, 'yuv420p')].join(','));
  });
});
