import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import type { FunctionDeploy } from '../../src/deploy/functionDeploy.js';
import { createTemplate } from '../../src/api/templates.js';

/** `POST /templates`: validates a template document (every wrong field named) and stores it; 201 new, 200 replaced, 409 for a built-in name. */
export const definition = httpFunction('createTemplate', createTemplate);

export const handler = lambdaHandler(definition);

export const deploy: FunctionDeploy = { role: 'ApiTemplatesRole', memorySize: 256, timeout: 10 };
