import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PRESETS, rungVideo, selectRenditions } from '../../src/media/plan/presets.js';
import {
  parseTemplate,
  TEMPLATE_LIMITS,
  TemplateInvalidError,
  type TemplateInput,
} from '../../src/templates/schema.js';
import { templateJsonSchema } from '../../src/templates/jsonSchema.js';
import { BUILT_IN_TEMPLATES, presetToTemplate, templateToPreset } from '../../src/templates/convert.js';

const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../examples/templates/${name}`, import.meta.url), 'utf8')) as TemplateInput;

/** A valid template to break one field at a time. */
const base = (): Record<string, any> => ({
  name: 'mine',
  video: { codec: 'h264' },
  gopSeconds: 2,
  segmentSeconds: 6,
  renditions: [
    { name: '720p', height: 720, crf: 23, maxBitrateKbps: 3000 },
    { name: '360p', height: 360, crf: 25, maxBitrateKbps: 900 },
  ],
});

const refused = (doc: unknown): TemplateInvalidError => {
  try {
    parseTemplate(doc);
  } catch (err) {
    assert.ok(err instanceof TemplateInvalidError, `expected TemplateInvalidError, got ${String(err)}`);
    assert.equal(err.code, 'TEMPLATE_INVALID');
    assert.equal(err.name, 'InputError');
    return err;
  }
  assert.fail('the template was accepted');
};

describe('templates: schema and conversion', () => {
  it('the four presets are built-in templates: their documents validate and give the presets back', () => {
    assert.deepEqual(Object.keys(BUILT_IN_TEMPLATES).sort(), Object.keys(PRESETS).sort());
    for (const p of Object.values(PRESETS)) {
      const doc = presetToTemplate(p);
      const back = templateToPreset(parseTemplate(JSON.parse(JSON.stringify(doc))));
      assert.deepEqual(back, { ...p, upscale: 'skip' }, p.name);
      // What GET answers is what POST takes back under another name, unchanged otherwise.
      const again = parseTemplate({ ...presetToTemplate(back), name: `${p.name}-copy` });
      assert.deepEqual(templateToPreset(again), { ...back, name: `${p.name}-copy` });
    }
  });

  it('codec alone takes the codec defaults; a rung may carry its own (HEVC) video settings', () => {
    const t = parseTemplate(example('four-rung-hevc-top.json'));
    const p = templateToPreset(t);
    assert.equal(p.segmentSeconds, 6);
    assert.deepEqual(p.video, PRESETS['h264-ladder'].video);
    const [top, mid] = p.renditions;
    assert.deepEqual(rungVideo(p, top), PRESETS['hevc-ladder'].video);
    assert.equal(rungVideo(p, top).encoder, 'libx265');
    assert.deepEqual(rungVideo(p, mid), PRESETS['h264-ladder'].video);
    assert.deepEqual(p.renditions[3], { name: '360p', height: 360, targetBitrateKbps: 600, maxBitrateKbps: 800 });
    const speedy = templateToPreset(
      parseTemplate({ ...base(), video: { codec: 'hevc', speed: 'medium', hdr: 'tonemap' } }),
    );
    const { hdrPixFmt: _f, hdrProfile: _p, ...sdr } = PRESETS['hevc-ladder'].video;
    assert.deepEqual(speedy.video, { ...sdr, speed: 'medium', hdr: 'tonemap' });
  });

  it('the MediaConvert-style 5-rung example validates as documented', () => {
    const p = templateToPreset(parseTemplate(example('mediaconvert-5-rung.json')));
    assert.deepEqual(
      p.renditions.map((r) => r.height),
      [1080, 720, 540, 360, 234],
    );
    assert.equal(p.thumbnailIntervalSeconds, 6);
    assert.deepEqual(
      selectRenditions(p, 1920, 1080).map((r) => [r.name, r.width, r.outHeight]),
      [
        ['1080p', 1920, 1080],
        ['720p', 1280, 720],
        ['540p', 960, 540],
        ['360p', 640, 360],
        ['234p', 416, 234],
      ],
    );
  });

  it('width rungs size the long side; upscale skip drops rungs above the source, refuse refuses the job', () => {
    const t = base();
    t.renditions = [
      { name: 'w1920', width: 1920, crf: 23, maxBitrateKbps: 5000 },
      { name: 'w640', width: 640, crf: 25, maxBitrateKbps: 900 },
    ];
    const p = templateToPreset(parseTemplate(t));
    assert.deepEqual(
      selectRenditions(p, 1280, 720).map((r) => [r.name, r.width, r.outHeight]),
      [['w640', 640, 360]],
    );
    assert.deepEqual(
      selectRenditions(p, 720, 1280).map((r) => [r.name, r.width, r.outHeight]),
      [['w640', 360, 640]],
    );
    assert.deepEqual(
      selectRenditions(p, 3840, 2160).map((r) => [r.name, r.width, r.outHeight]),
      [
        ['w1920', 1920, 1080],
        ['w640', 640, 360],
      ],
    );
    const strict = templateToPreset(parseTemplate({ ...t, upscale: 'refuse' }));
    assert.throws(
      () => selectRenditions(strict, 1280, 720),
      (e: Error & { code?: string }) => {
        assert.equal(e.name, 'InputError');
        assert.equal(e.code, 'UPSCALE_REFUSED');
        assert.match(e.message, /upscale: refuse.*1280x720: rung w1920 \(width 1920 px, long side\) is above it/);
        return true;
      },
    );
    assert.equal(selectRenditions(strict, 1920, 1080).length, 2);
  });

  // One wrong field each: [what, mutate, the path reported, a phrase of the reason].
  const INVALID: [string, (t: Record<string, any>) => void, string, RegExp][] = [
    ['no rungs', (t) => (t.renditions = []), 'renditions', /at least 1/],
    [
      'eleven rungs',
      (t) =>
        (t.renditions = Array.from({ length: 11 }, (_, i) => ({
          name: `r${i}`,
          height: 100 + 2 * i,
          crf: 23,
          maxBitrateKbps: 500,
        }))),
      'renditions',
      /at most 10/,
    ],
    ['rung too small', (t) => (t.renditions[1].height = 32), 'renditions.1.height', /at least 64/],
    ['rung too large', (t) => (t.renditions[0].height = 8000), 'renditions.0.height', /at most 7680/],
    [
      'both height and width',
      (t) => (t.renditions[0].width = 1280),
      'renditions.0',
      /exactly one of height .* or width/,
    ],
    [
      'neither crf nor target',
      (t) => delete t.renditions[1].crf,
      'renditions.1',
      /exactly one of crf or targetBitrateKbps/,
    ],
    ['crf above the codec scale', (t) => (t.renditions[0].crf = 52), 'renditions.0.crf', /0-51 for h264/],
    [
      'max bit rate too low',
      (t) => (t.renditions[1].maxBitrateKbps = 10),
      'renditions.1.maxBitrateKbps',
      /at least 64 kb\/s/,
    ],
    [
      'target above the cap',
      (t) => (t.renditions[1] = { name: '360p', height: 360, targetBitrateKbps: 1200, maxBitrateKbps: 900 }),
      'renditions.1.targetBitrateKbps',
      /must not exceed maxBitrateKbps/,
    ],
    ['duplicate rung names', (t) => (t.renditions[1].name = '720P'), 'renditions.1.name', /used by an earlier rung/],
    ['unsafe rung name', (t) => (t.renditions[0].name = '../x'), 'renditions.0.name', /letters, digits/],
    ['reserved rung name', (t) => (t.renditions[0].name = 'audio'), 'renditions.0.name', /the package uses itself/],
    ['GOP too short', (t) => (t.gopSeconds = 0.25), 'gopSeconds', /at least 0.5/],
    ['GOP too long', (t) => (t.gopSeconds = 12), 'gopSeconds', /at most 10/],
    [
      'segment not a multiple of the GOP',
      (t) => (t.segmentSeconds = 5),
      'segmentSeconds',
      /whole multiple of gopSeconds/,
    ],
    ['unknown codec', (t) => (t.video = { codec: 'vp9' }), 'video.codec', /one of h264, hevc, av1/],
    [
      'encoder of another codec',
      (t) => (t.video = { codec: 'h264', encoder: 'libx265' }),
      'video.encoder',
      /not an encoder of h264/,
    ],
    ['HDR kept on H.264', (t) => (t.video = { codec: 'h264', hdr: 'keep' }), 'video.hdr', /10-bit HDR codec/],
    [
      'rung video speed unknown',
      (t) => (t.renditions[0].video = { codec: 'av1', speed: '20' }),
      'renditions.0.video.speed',
      /not a speed of av1/,
    ],
    ['audio channels', (t) => (t.audio = { channels: 6 }), 'audio.channels', /1 or 2/],
    ['audio bit rate', (t) => (t.audio = { bitrateKbps: 1000 }), 'audio.bitrateKbps', /at most 512/],
    ['output format', (t) => (t.outputs = ['hls', 'webm']), 'outputs.1', /one of hls, dash, mp4/],
    ['thumbnail interval', (t) => (t.thumbnails = { intervalSeconds: 0 }), 'thumbnails.intervalSeconds', /at least 1/],
    ['upscale', (t) => (t.upscale = 'always'), 'upscale', /refuse or skip/],
    ['template name', (t) => (t.name = 'a/b'), 'name', /letters, digits/],
    ['unknown field', (t) => (t.ladder = []), 'ladder', /not a template field/],
    ['missing video', (t) => delete t.video, 'video', /required/],
  ];

  for (const [what, mutate, path, reason] of INVALID) {
    it(`refuses ${what}, naming ${path}`, () => {
      parseTemplate(base());
      const t = base();
      mutate(t);
      const err = refused(t);
      assert.equal(err.problems.length, 1, JSON.stringify(err.problems));
      assert.equal(err.problems[0].path, path);
      assert.match(err.problems[0].message, reason);
      assert.ok(err.message.includes(`${path}: `), err.message);
    });
  }

  it('the largest template the limits allow stays under TEMPLATE_LIMITS.bytes (it travels in every Task input)', () => {
    const video = {
      codec: 'hevc',
      encoder: 'libx265',
      speed: 'placebo',
      profile: 'main',
      pixFmt: 'yuv420p',
      bFrames: 16,
      hdr: 'keep',
      hdrPixFmt: 'yuv420p10le',
      hdrProfile: 'main10',
    };
    const rung = (i: number) => ({
      name: `r${i}`.padEnd(32, 'x'),
      height: 7000 + i,
      crf: 51.5 - 0.5,
      targetBitrateKbps: undefined,
      maxBitrateKbps: 99_999,
      bufferKbps: 399_999,
      video,
    });
    const t = parseTemplate({
      ...base(),
      name: 'n'.repeat(64),
      description: 'd'.repeat(256),
      video,
      gopSeconds: 9.999999999,
      segmentSeconds: 59.999999994,
      audio: { codec: 'aac', bitrateKbps: 511, channels: 2, sampleRate: 44100, surround: { bitrateKbps: 767 } },
      thumbnails: { intervalSeconds: 3599.999999 },
      upscale: 'refuse',
      renditions: Array.from({ length: 10 }, (_, i) => rung(i)),
    });
    const bytes = Buffer.byteLength(JSON.stringify(t));
    assert.ok(bytes < TEMPLATE_LIMITS.bytes, `${bytes} bytes`);
    assert.ok(bytes > 3000, `${bytes} bytes: the largest template is not that small`);
  });

  it("docs: every template example in docs/TEMPLATES.md validates; the JSON Schemas are the zod schema's", () => {
    const md = readFileSync(new URL('../../docs/TEMPLATES.md', import.meta.url), 'utf8');
    const docs = [...md.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => JSON.parse(m[1]) as Record<string, unknown>)
      .filter((d) => 'renditions' in d);
    assert.ok(docs.length >= 4, `${docs.length} examples`);
    for (const d of docs) parseTemplate(d);
    assert.deepEqual(
      example('mediaconvert-5-rung.json'),
      docs.find((d) => d.name === 'mediaconvert-style-5-rung'),
    );
    const {
      $schema: _s,
      $id: _i,
      title: _t,
      ...file
    } = JSON.parse(readFileSync(new URL('../../docs/schemas/template.schema.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(file, templateJsonSchema(), 'docs/schemas/template.schema.json is stale: npm run generate');
    const api = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
      components: { schemas: Record<string, unknown> };
    };
    assert.deepEqual(
      api.components.schemas.Template,
      templateJsonSchema(),
      'docs/openapi.json Template is stale: npm run generate',
    );
  });

  it('reports every wrong field of one template at once, one line each', () => {
    const t = base();
    t.gopSeconds = 20;
    t.renditions[0].height = 10;
    t.renditions[1].maxBitrateKbps = 'fast';
    t.extra = 1;
    const err = refused(t);
    assert.deepEqual(err.problems.map((p) => p.path).sort(), [
      'extra',
      'gopSeconds',
      'renditions.0.height',
      'renditions.1.maxBitrateKbps',
    ]);
  });
});
