/**
 * The template operations of the HTTP API: `POST /templates` (create or replace),
 * `GET /templates`, `GET /templates/{name}`, `DELETE /templates/{name}`. A document `GET`
 * answers is one `POST` accepts back, under the same name or another.
 */
import { ApiError } from './errors.js';
import { jsonResult, readJsonBody } from './http.js';
import type { Operation } from './operations.js';
import { parseTemplate, TemplateName } from '../templates/schema.js';
import { MAX_STORED_TEMPLATES } from '../templates/store.js';

const nameOf = (raw: string | undefined): string => {
  const name = raw ?? '';
  if (!TemplateName.safeParse(name).success)
    throw new ApiError(
      'INVALID_REQUEST',
      'template names are 1-64 letters, digits or _ . - (starting with a letter or digit)',
    );
  return name;
};

/** `POST /templates`: validates the document (TEMPLATE_INVALID names every wrong field) and stores it; 201 new, 200 replaced. */
export const createTemplate: Operation = async ({ event, rt, log }) => {
  const template = parseTemplate(readJsonBody(event));
  const existing = await rt.templates.get(template.name);
  if (!existing && (await rt.templates.count()) >= MAX_STORED_TEMPLATES) {
    throw new ApiError(
      'TOO_MANY_TEMPLATES',
      `at most ${MAX_STORED_TEMPLATES} templates can be stored; delete one first`,
    );
  }
  const created = await rt.templates.put(template);
  log.info(created ? 'template created' : 'template replaced', {
    template: template.name,
    renditions: template.renditions.map((r) => r.name),
  });
  return jsonResult(created ? 201 : 200, template, { location: `/templates/${template.name}` });
};

/** `GET /templates`: every template, the built-ins first. */
export const listTemplates: Operation = async ({ rt }) => {
  const templates = await rt.templates.list();
  return jsonResult(200, { templates, count: templates.length });
};

/** `GET /templates/{name}`: the document (with every default filled in). */
export const getTemplate: Operation = async ({ event, rt }) => {
  const name = nameOf(event.pathParameters?.name);
  const found = await rt.templates.get(name);
  if (!found) throw new ApiError('TEMPLATE_NOT_FOUND', `no template ${name}`);
  return jsonResult(200, found.template, { 'x-template-built-in': String(found.builtIn) });
};

/** `DELETE /templates/{name}`: 204; a built-in is 409 TEMPLATE_BUILT_IN. Jobs already submitted keep their copy. */
export const deleteTemplate: Operation = async ({ event, rt, log }) => {
  const name = nameOf(event.pathParameters?.name);
  if (!(await rt.templates.delete(name))) throw new ApiError('TEMPLATE_NOT_FOUND', `no template ${name}`);
  log.info('template deleted', { template: name });
  return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '', isBase64Encoded: false };
};
