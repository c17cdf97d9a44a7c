/**
 * The template routes over a real DynamoDB API (dynalite), answers checked against
 * docs/openapi.json; and a job's template resolved into its input (name, stored, inline).
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { S3Client } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { definition as createTemplate } from '../../functions/api/createTemplate.js';
import { definition as listTemplates } from '../../functions/api/listTemplates.js';
import { definition as getTemplate } from '../../functions/api/getTemplate.js';
import { definition as deleteTemplate } from '../../functions/api/deleteTemplate.js';
import type { FunctionDefinition } from '../../src/pipeline/handler.js';
import type { HttpApiEvent, HttpApiResult } from '../../src/api/http.js';
import { TemplateStore } from '../../src/templates/store.js';
import { JobStore } from '../../src/pipeline/jobStore.js';
import { startJobsDb, type LocalJobsDb } from '../../src/local/jobsDb.js';
import { resolveTemplate } from '../../src/templates/resolve.js';
import { buildJobInput, requestFromMetadata } from '../../src/pipeline/job.js';
import { PRESETS } from '../../src/media/plan/presets.js';
import { responseValidator } from '../helpers/openapi.js';

function event(
  method: string,
  path: string,
  p: { body?: unknown; params?: Record<string, string> } = {},
): HttpApiEvent {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    ...(p.params ? { pathParameters: p.params } : {}),
    ...(p.body !== undefined ? { body: JSON.stringify(p.body) } : {}),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', http: { method, path } },
  };
}

const mine = {
  name: 'four-rungs',
  video: { codec: 'h264' },
  segmentSeconds: 6,
  outputs: ['hls', 'mp4'],
  renditions: [
    { name: 'hevc-1080p', height: 1080, crf: 26, maxBitrateKbps: 4000, video: { codec: 'hevc' } },
    { name: '720p', height: 720, crf: 23, maxBitrateKbps: 3000 },
    { name: '480p', width: 854, crf: 24, maxBitrateKbps: 1500 },
    { name: '360p', height: 360, targetBitrateKbps: 600, maxBitrateKbps: 800 },
  ],
};

describe('API: templates (records in dynalite)', () => {
  let db: LocalJobsDb;
  let rt: Runtime;
  const v = responseValidator();
  const config = parseConfig({ INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' });
  before(async () => {
    db = await startJobsDb({ tableName: 'jobs' });
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    rt = createRuntime(config, {
      s3,
      jobs: new JobStore(db.client, 'jobs'),
      templates: new TemplateStore(db.client, 'jobs'),
      events: { put: async () => undefined },
      logSink: () => undefined,
    });
  });
  after(async () => db.close());

  const call = async (h: FunctionDefinition<HttpApiResult>, method: string, template: string, e: HttpApiEvent) => {
    const res = await h.invoke(rt, e);
    const json = res.body ? (JSON.parse(res.body) as Record<string, any>) : {};
    if (res.statusCode !== 204) v.check(method, template, res.statusCode, json);
    return { status: res.statusCode, json };
  };
  const post = (body: unknown) => call(createTemplate, 'POST', '/templates', event('POST', '/templates', { body }));
  const get = (name: string) =>
    call(getTemplate, 'GET', '/templates/{name}', event('GET', `/templates/${name}`, { params: { name } }));
  const del = (name: string) =>
    call(deleteTemplate, 'DELETE', '/templates/{name}', event('DELETE', `/templates/${name}`, { params: { name } }));

  it('posted, listed, fetched, posted back under another name, replaced, deleted', async () => {
    const created = await post(mine);
    assert.equal(created.status, 201);
    assert.equal(created.json.gopSeconds, 2, 'defaults filled in');
    const got = await get('four-rungs');
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, created.json);
    const copy = await post({ ...got.json, name: 'four-rungs-copy' });
    assert.equal(copy.status, 201);
    assert.deepEqual({ ...copy.json, name: 'four-rungs' }, got.json);
    assert.equal(
      (await post({ ...got.json, description: 'again' })).status,
      200,
      'a second POST of a name replaces it',
    );
    const list = await call(listTemplates, 'GET', '/templates', event('GET', '/templates'));
    assert.deepEqual(
      list.json.templates.map((t: { name: string; builtIn: boolean }) => [t.name, t.builtIn]),
      [...Object.keys(PRESETS).map((n) => [n, true]), ['four-rungs', false], ['four-rungs-copy', false]],
    );
    assert.equal((await get('four-rungs')).json.description, 'again');
    assert.equal((await del('four-rungs-copy')).status, 204);
    assert.deepEqual(
      [(await get('four-rungs-copy')).status, (await get('four-rungs-copy')).json.code],
      [404, 'TEMPLATE_NOT_FOUND'],
    );
    assert.equal((await del('four-rungs-copy')).json.code, 'TEMPLATE_NOT_FOUND');
  });

  it('built-ins: fetched as templates, neither overwritten nor deleted (409 TEMPLATE_BUILT_IN)', async () => {
    for (const name of Object.keys(PRESETS)) {
      const got = await get(name);
      assert.equal(got.status, 200);
      const over = await post({ ...got.json, description: 'mine now' });
      assert.deepEqual([over.status, over.json.code], [409, 'TEMPLATE_BUILT_IN']);
      const gone = await del(name);
      assert.deepEqual([gone.status, gone.json.code], [409, 'TEMPLATE_BUILT_IN']);
      assert.equal((await get(name)).json.description, PRESETS[name].description);
    }
  });

  it('an invalid document is 400 TEMPLATE_INVALID listing every wrong field; nothing stored', async () => {
    const r = await post({
      ...mine,
      name: 'broken',
      gopSeconds: 0.1,
      renditions: [
        { ...mine.renditions[1], crf: 60 },
        { ...mine.renditions[2], name: '720p' },
      ],
    });
    assert.deepEqual([r.status, r.json.code], [400, 'TEMPLATE_INVALID']);
    assert.deepEqual(r.json.details.map((d: { path: string }) => d.path).sort(), ['gopSeconds']);
    const r2 = await post({
      ...mine,
      name: 'broken',
      renditions: [
        { ...mine.renditions[1], crf: 60 },
        { ...mine.renditions[2], name: '720p' },
      ],
    });
    assert.deepEqual(
      r2.json.details.map((d: { path: string }) => d.path),
      ['renditions.0.crf', 'renditions.1.name'],
    );
    assert.match(
      r2.json.message,
      /renditions\.0\.crf: must be a whole number 0-51 for h264; renditions\.1\.name: "720p" is used by an earlier rung/,
    );
    assert.equal((await get('broken')).status, 404);
  });

  it("a job names a template or carries one: resolved into its input with the template's segment length and outputs", async () => {
    await post(mine);
    const base = { jobId: 'j-1', source: { bucket: 'ingest', key: 'a.mp4' }, submittedAt: new Date(0) };
    const byName = await resolveTemplate(rt.templates, { template: 'four-rungs' }, 'h264-ladder');
    const job = buildJobInput(config, { ...base, request: { template: 'four-rungs' }, resolved: byName });
    assert.equal(job.settings.preset, 'four-rungs');
    assert.equal(job.settings.segmentSeconds, 6);
    assert.deepEqual(job.settings.outputs, ['hls', 'mp4']);
    assert.deepEqual(
      job.settings.template?.renditions.map((r) => r.name),
      ['hevc-1080p', '720p', '480p', '360p'],
    );
    assert.ok(Buffer.byteLength(JSON.stringify(job)) < 8 * 1024, 'the job input stays small');
    // A request's own segment length wins over the template's.
    assert.equal(
      buildJobInput(config, { ...base, request: { template: 'four-rungs', segmentSeconds: 2 }, resolved: byName })
        .settings.segmentSeconds,
      2,
    );
    const inline = await resolveTemplate(rt.templates, { template: { ...mine, name: 'inline-one' } }, 'h264-ladder');
    assert.equal(inline.template?.name, 'inline-one');
    // A built-in by either field: no document in the job (the shipped preset runs).
    assert.deepEqual(await resolveTemplate(rt.templates, { preset: 'hevc-ladder' }, 'h264-ladder'), {
      preset: 'hevc-ladder',
    });
    assert.deepEqual(await resolveTemplate(rt.templates, { template: 'av1-ladder' }, 'h264-ladder'), {
      preset: 'av1-ladder',
    });
    // Upload metadata names one.
    assert.equal(
      (await resolveTemplate(rt.templates, requestFromMetadata({ template: 'four-rungs' }), 'h264-ladder')).template
        ?.segmentSeconds,
      6,
    );
    await assert.rejects(
      resolveTemplate(rt.templates, { template: 'nope' }, 'h264-ladder'),
      (e: Error & { code?: string }) => e.code === 'UNKNOWN_TEMPLATE' && /unknown template "nope"/.test(e.message),
    );
    await assert.rejects(
      resolveTemplate(rt.templates, { preset: 'nope' }, 'h264-ladder'),
      (e: Error & { code?: string }) => e.code === 'UNKNOWN_PRESET',
    );
    await assert.rejects(
      resolveTemplate(rt.templates, { template: { ...mine, upscale: 'never' } }, 'h264-ladder'),
      (e: Error & { code?: string }) =>
        e.code === 'TEMPLATE_INVALID' && /upscale: must be refuse or skip/.test(e.message),
    );
    assert.throws(
      () => buildJobInput(config, { ...base, request: { template: 'four-rungs' } }),
      /template: not resolved/,
    );
    // A stored item that no longer validates: TEMPLATE_INVALID (permanent), not a retried failure.
    await db.client.send(
      new PutCommand({
        TableName: 'jobs',
        Item: { jobId: 'template#old', listPk: 'TEMPLATE', listKey: 'old', document: { name: 'old', renditions: [] } },
      }),
    );
    await assert.rejects(
      resolveTemplate(rt.templates, { template: 'old' }, 'h264-ladder'),
      (e: Error & { code?: string }) =>
        e.name === 'InputError' && e.code === 'TEMPLATE_INVALID' && /stored template "old"/.test(e.message),
    );
  });
});
