import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import type { FunctionDeploy } from '../../src/deploy/functionDeploy.js';
import { getTemplate } from '../../src/api/templates.js';

/** `GET /templates/{name}`: a template document, as `POST /templates` takes it back. */
export const definition = httpFunction('getTemplate', getTemplate);

export const handler = lambdaHandler(definition);

export const deploy: FunctionDeploy = { role: 'ApiTemplatesRole', memorySize: 256, timeout: 10 };
