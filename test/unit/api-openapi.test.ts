/**
 * docs/openapi.json and the code stay in step: the same routes and operation ids as the router,
 * one handler module per route, the error codes, the presets, and the example bodies of the
 * document valid against its own schemas. (Real responses are validated in test/e2e/api.test.ts.)
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROUTES, routeKey } from '../../src/api/routes.js';
import { OPERATIONS } from '../../src/api/operations.js';
import { API_ERRORS } from '../../src/api/errors.js';
import { API_FUNCTIONS } from '../../src/local/functions.js';
import { PRESETS } from '../../src/media/plan/presets.js';
import { documentedRoutes, loadOpenApi, responseValidator } from '../helpers/openapi.js';
import * as createJobFn from '../../functions/api/createJob.js';
import * as getJobFn from '../../functions/api/getJob.js';
import * as listJobsFn from '../../functions/api/listJobs.js';
import * as cancelJobFn from '../../functions/api/cancelJob.js';
import * as createUploadFn from '../../functions/api/createUpload.js';
import * as createTemplateFn from '../../functions/api/createTemplate.js';
import * as listTemplatesFn from '../../functions/api/listTemplates.js';
import * as getTemplateFn from '../../functions/api/getTemplate.js';
import * as deleteTemplateFn from '../../functions/api/deleteTemplate.js';

const MODULES: Record<string, { handler?: unknown; definition?: unknown }> = {
  createJob: createJobFn,
  getJob: getJobFn,
  listJobs: listJobsFn,
  cancelJob: cancelJobFn,
  createUpload: createUploadFn,
  createTemplate: createTemplateFn,
  listTemplates: listTemplatesFn,
  getTemplate: getTemplateFn,
  deleteTemplate: deleteTemplateFn,
};

describe('API: docs/openapi.json matches the handlers', () => {
  const doc = loadOpenApi();

  it('is an OpenAPI 3.1 document', () => {
    assert.match(doc.openapi, /^3\.1\./);
    assert.ok(doc.info?.title && doc.info?.version);
  });

  it('every documented route is served by the router, and every route is documented', () => {
    const documented = documentedRoutes(doc)
      .map((r) => `${r.operationId}: ${r.method} ${r.path}`)
      .sort();
    const served = ROUTES.map((r) => `${r.operationId}: ${routeKey(r)}`).sort();
    assert.deepEqual(documented, served);
  });

  it('every route has its operation, its local handler and its Lambda module (functions/api/<operationId>.ts)', () => {
    assert.deepEqual(Object.keys(OPERATIONS).sort(), ROUTES.map((r) => r.operationId).sort());
    assert.deepEqual(Object.keys(API_FUNCTIONS).sort(), ROUTES.map((r) => r.operationId).sort());
    for (const r of ROUTES) {
      const file = fileURLToPath(new URL(`../../functions/api/${r.operationId}.ts`, import.meta.url));
      assert.ok(existsSync(file), file);
      const mod = MODULES[r.operationId];
      assert.ok(mod, `${r.operationId}: imported above`);
      assert.equal(typeof mod.handler, 'function', `${r.operationId}: exports handler`);
      assert.equal(
        mod.definition,
        API_FUNCTIONS[r.operationId],
        `${r.operationId}: the local server runs the Lambda's function`,
      );
    }
  });

  it('path parameters of the document are the route templates', () => {
    for (const r of documentedRoutes(doc)) {
      const params = ((doc.paths[r.path][r.method.toLowerCase()].parameters ?? []) as { in: string; name: string }[])
        .filter((p) => p.in === 'path')
        .map((p) => p.name);
      assert.deepEqual(
        params.sort(),
        [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort(),
        `${r.method} ${r.path}`,
      );
    }
  });

  it('the Error schema lists exactly the codes the API answers with', () => {
    assert.deepEqual([...doc.components.schemas.Error.properties.code.enum].sort(), Object.keys(API_ERRORS).sort());
  });

  it('the preset enum is the shipped presets', () => {
    assert.deepEqual(
      [...doc.components.schemas.CreateJobRequest.properties.preset.enum].sort(),
      Object.keys(PRESETS).sort(),
    );
  });

  it('documented statuses of each operation are those its codes can produce', () => {
    const statuses = new Set(Object.values(API_ERRORS).map(String));
    for (const r of documentedRoutes(doc)) {
      for (const s of Object.keys(doc.paths[r.path][r.method.toLowerCase()].responses)) {
        if (s === 'default' || s.startsWith('2')) continue;
        assert.ok(statuses.has(s), `${r.method} ${r.path}: ${s} is no API error status`);
      }
    }
  });

  it('the document examples validate against its own response schemas', () => {
    const v = responseValidator(doc);
    for (const r of documentedRoutes(doc)) {
      for (const [status, resp] of Object.entries(
        doc.paths[r.path][r.method.toLowerCase()].responses as Record<
          string,
          { content?: Record<string, { example?: unknown }> }
        >,
      )) {
        const ex = resp.content?.['application/json']?.example;
        if (ex !== undefined && status !== 'default') v.check(r.method, r.path, Number(status), ex);
      }
    }
    assert.throws(() => v.check('GET', '/jobs/{id}', 404, { code: 'NOPE', message: 'x' }), /does not match/);
    assert.throws(
      () => v.check('GET', '/jobs/{id}', 404, { code: 'JOB_NOT_FOUND', message: 'x', extra: 1 }),
      /does not match/,
    );
  });
});
