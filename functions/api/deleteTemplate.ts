import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { deleteTemplate } from '../../src/api/templates.js';

/** `DELETE /templates/{name}`: deletes a stored template; 409 for a built-in. */
export const definition = httpFunction('deleteTemplate', deleteTemplate);

export const handler = lambdaHandler(definition);
