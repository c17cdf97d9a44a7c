import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { ObjectCreatedSchema } from '../src/pipeline/ingest.js';
import { ingestStep } from '../src/pipeline/steps/ingest.js';

/** Target of the EventBridge rule on Object Created in the ingest bucket. */
export const definition = defineFunction('ingest', ObjectCreatedSchema, (event, { rt, log, metrics }) => ingestStep(rt, event, log, metrics));

export const handler = lambdaHandler(definition);
