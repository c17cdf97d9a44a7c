/**
 * Templates through the local stack (npm run serve): a four-rung template with 6 s segments
 * posted, listed and fetched over HTTP, then used by an upload (x-amz-meta-template) and by
 * POST /jobs (by name, and inline); the outputs are the template's: its renditions at its sizes,
 * segments of its length, its thumbnail interval, its formats, under the output contract.
 *
 * One rung is HEVC (its own `video`), the others H.264: a ladder that mixes codecs, each output
 * checked for its codec, the HLS master listing each variant with its own CODECS.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { startServe, type Serve } from '../../scripts/serve.js';
import { generateSample } from '../../src/media/package/sample.js';
import { downloadFile, getBytes } from '../../src/aws/s3.js';
import { jobIdFor } from '../../src/pipeline/ingest.js';
import { matchRoute } from '../../src/api/router.js';
import { checkContract } from '../helpers/contract.js';
import { responseValidator } from '../helpers/openapi.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** Four rungs below a 640x360 source, one by width; 6 s segments of 2 s GOPs; a sprite tile every 5 s; no DASH. */
const TEMPLATE = {
  name: 'e2e-four-rungs',
  description: 'three H.264 rungs and one HEVC rung, 6 s segments',
  video: { codec: 'h264', speed: 'ultrafast' },
  gopSeconds: 2,
  segmentSeconds: 6,
  audio: { codec: 'aac', bitrateKbps: 64, channels: 2, sampleRate: 48000 },
  outputs: ['hls', 'mp4'],
  thumbnails: { intervalSeconds: 5 },
  upscale: 'skip',
  renditions: [
    { name: '360p', height: 360, crf: 24, maxBitrateKbps: 1200 },
    { name: 'w512', width: 512, crf: 25, maxBitrateKbps: 900 },
    { name: '216p', height: 216, crf: 28, maxBitrateKbps: 500, video: { codec: 'hevc', speed: 'ultrafast' } },
    { name: '144p', height: 144, crf: 27, maxBitrateKbps: 300 },
  ],
};
const SIZES: Record<string, [number, number]> = {
  '360p': [640, 360],
  w512: [512, 288],
  '216p': [384, 216],
  '144p': [256, 144],
};

describe('templates on the local stack', function () {
  this.timeout(600_000);
  let dir: string;
  let serve: Serve;
  let s3: S3Client;
  const validator = responseValidator();
  const src = () => path.join(dir, 'src-18s.mp4');

  async function api(method: string, url: string, json?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(serve.apiUrl + url, {
      method,
      ...(json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) } : {}),
    });
    const text = await res.text();
    const body = text ? (JSON.parse(text) as Json) : undefined;
    if (res.status !== 204)
      validator.check(method, matchRoute(method, new URL(url, 'http://x').pathname).route.path, res.status, body);
    return { status: res.status, body };
  }

  async function untilDone(jobId: string, timeoutMs = 400_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await api('GET', `/jobs/${jobId}`);
      if (r.status === 200 && ['COMPLETE', 'ERROR'].includes(r.body.status)) {
        // Cleanup runs after the final record: wait (bounded) for the execution to end too.
        while (serve.stack.sfn.running().includes(jobId) && Date.now() < deadline)
          await new Promise((res) => setTimeout(res, 250));
        return r.body;
      }
      if (Date.now() > deadline) throw new Error(`job ${jobId} not done after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  /** The job's outputs are the template's: renditions, sizes, segment durations, thumbnails, formats, contract. */
  async function checkOutputs(view: Json): Promise<void> {
    assert.equal(view.status, 'COMPLETE', JSON.stringify(view.error));
    assert.equal(view.preset, TEMPLATE.name);
    const jobId = view.jobId as string;
    const key = (uri: string) => uri.replace('s3://output/', '');
    const videos = view.outputs.filter((o: Json) => o.type === 'video');
    assert.deepEqual(videos.map((o: Json) => o.rendition).sort(), Object.keys(SIZES).sort());
    for (const o of videos) assert.deepEqual([o.width, o.height], SIZES[o.rendition], o.rendition);
    // Codec per rung: the HEVC rung is hvc1, the others avc1, in the event/record and in the HLS master.
    for (const o of videos) assert.match(String(o.codec), o.rendition === '216p' ? /^hvc1\./ : /^avc1\./, o.rendition);
    const master = Buffer.from(await getBytes(s3, { bucket: 'output', key: `${jobId}/hls/master.m3u8` })).toString(
      'utf8',
    );
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:[^\n]*CODECS="([^"]+)"[^\n]*\n([^\n]+)/g)].map((m) => [
      m[2],
      m[1],
    ]);
    assert.equal(variants.length, 4, master);
    for (const [uri, codecs] of variants)
      assert.match(codecs, uri.includes('216p') ? /hvc1\./ : /avc1\./, `${uri}: ${codecs}`);
    assert.ok(!view.outputs.some((o: Json) => o.type === 'dash'), 'no DASH: the template does not ask for it');
    // 18 s cut every 6 s: segments of 6, 6 and 6 s in every variant.
    for (const name of Object.keys(SIZES)) {
      const m3u8 = Buffer.from(await getBytes(s3, { bucket: 'output', key: `${jobId}/hls/${name}.m3u8` })).toString(
        'utf8',
      );
      const extinf = [...m3u8.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
      assert.deepEqual(
        extinf.map((d) => Math.round(d)),
        [6, 6, 6],
        `${name}: ${extinf.join(', ')}`,
      );
    }
    const vtt = Buffer.from(await getBytes(s3, { bucket: 'output', key: `${jobId}/thumbnails.vtt` })).toString('utf8');
    assert.equal([...vtt.matchAll(/-->/g)].length, 4, 'a sprite tile every 5 s of 18 s');
    const out = path.join(dir, jobId);
    await mkdir(out, { recursive: true });
    for (const o of videos)
      await downloadFile(s3, { bucket: 'output', key: key(o.uri) }, path.join(out, `${o.rendition}.mp4`));
    await checkContract(
      src(),
      out,
      videos.map((o: Json) => ({
        name: `${o.rendition}.mp4`,
        width: o.width,
        height: o.height,
        probeCodec: o.rendition === '216p' ? 'hevc' : 'h264',
      })),
      true,
    );
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-templates-'));
    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    await generateSample({ output: src(), durationSec: 18, width: 640, height: 360, fps: 25, audio: true });
    serve = await startServe({
      logSink: (l: string) => log.write(`${l}\n`),
      dataDir: path.join(dir, 'data'),
      apiPort: 0,
      s3Port: 0,
      segmentSeconds: 4,
    });
    s3 = new S3Client({
      endpoint: serve.s3Endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new PutObjectCommand({ Bucket: 'ingest', Key: 'library/src-18s', Body: await readFile(src()) }));
  });

  after(async () => {
    if (serve) {
      assert.deepEqual(serve.stack.sfn.running(), [], 'no execution left running');
      await serve.close();
    }
    s3?.destroy();
    if (!process.env.KEEP_TEST_FILES && dir) await rm(dir, { recursive: true, force: true });
  });

  it('posted, listed and fetched; the fetched document posts back under another name', async () => {
    const created = await api('POST', '/templates', TEMPLATE);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const list = await api('GET', '/templates');
    assert.ok(
      list.body.templates.some((t: Json) => t.name === TEMPLATE.name && !t.builtIn && t.renditions.length === 4),
    );
    const got = await api('GET', `/templates/${TEMPLATE.name}`);
    assert.deepEqual(got.body, created.body);
    assert.equal((await api('POST', '/templates', { ...got.body, name: 'e2e-copy' })).status, 201);
    assert.equal((await api('DELETE', '/templates/h264-ladder')).body.code, 'TEMPLATE_BUILT_IN');
  });

  it("an upload naming it (x-amz-meta-template) makes the template's outputs", async () => {
    const key = 'uploads/e2e/templated.mp4';
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'ingest',
        Key: key,
        Body: await readFile(src()),
        Metadata: { template: TEMPLATE.name },
      }),
    );
    await checkOutputs(await untilDone(jobIdFor('ingest', key, put.ETag!.replace(/"/g, ''))));
  });

  it('POST /jobs naming it, and carrying it inline, makes the same outputs', async () => {
    const byName = await api('POST', '/jobs', { source: 's3://ingest/library/src-18s', template: TEMPLATE.name });
    assert.equal(byName.status, 202, JSON.stringify(byName.body));
    // Deleted after submission: the job runs the copy it was given.
    assert.equal((await api('DELETE', `/templates/${TEMPLATE.name}`)).status, 204);
    await checkOutputs(await untilDone(byName.body.jobId));
    const inline = await api('POST', '/jobs', {
      source: 's3://ingest/library/src-18s',
      template: TEMPLATE,
      engine: 'ecs',
    });
    assert.equal(inline.status, 202, JSON.stringify(inline.body));
    await checkOutputs(await untilDone(inline.body.jobId));
  });

  it('refused before anything runs: an unknown name, an invalid inline document (each field named)', async () => {
    const unknown = await api('POST', '/jobs', { source: 's3://ingest/library/src-18s', template: 'e2e-four-rungs' });
    assert.deepEqual([unknown.status, unknown.body.code], [400, 'UNKNOWN_TEMPLATE']);
    const bad = await api('POST', '/jobs', {
      source: 's3://ingest/library/src-18s',
      template: { ...TEMPLATE, segmentSeconds: 5, renditions: [{ ...TEMPLATE.renditions[0], height: 20 }] },
    });
    assert.deepEqual([bad.status, bad.body.code], [400, 'TEMPLATE_INVALID']);
    assert.deepEqual(
      bad.body.details.map((d: Json) => d.path),
      ['renditions.0.height'],
    );
  });
});
