import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import type { FunctionDeploy } from '../../src/deploy/functionDeploy.js';
import { listTemplates } from '../../src/api/templates.js';

/** `GET /templates`: the built-in and stored templates. */
export const definition = httpFunction('listTemplates', listTemplates);

export const handler = lambdaHandler(definition);

export const deploy: FunctionDeploy = { role: 'ApiTemplatesRole', memorySize: 256, timeout: 10 };
