import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { listTemplates } from '../../src/api/templates.js';

/** `GET /templates`: the built-in and stored templates. */
export const definition = httpFunction('listTemplates', listTemplates);

export const handler = lambdaHandler(definition);
