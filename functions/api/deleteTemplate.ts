import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import type { FunctionDeploy } from '../../src/deploy/functionDeploy.js';
import { deleteTemplate } from '../../src/api/templates.js';

/** `DELETE /templates/{name}`: deletes a stored template; 409 for a built-in. */
export const definition = httpFunction('deleteTemplate', deleteTemplate);

export const handler = lambdaHandler(definition);

export const deploy: FunctionDeploy = { role: 'ApiTemplatesRole', memorySize: 256, timeout: 10 };
