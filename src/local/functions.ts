/**
 * Every function of the service, by its serverless.yml name: the one list the local stack
 * wires from. The state machine's Task placeholders (`${ProbeFunctionArn}`), the local handlers
 * and the local substitutions are derived from it (src/local/stepFunctions.ts), and a test
 * checks serverless.yml declares exactly these functions (test/unit/wiring.test.ts).
 */
import type { FunctionDefinition } from '../pipeline/handler.js';
import { definition as probe } from '../../functions/probe.js';
import { definition as plan } from '../../functions/plan.js';
import { definition as split } from '../../functions/split.js';
import { definition as transcodeSegment } from '../../functions/transcodeSegment.js';
import { definition as thumbnails } from '../../functions/thumbnails.js';
import { definition as assemble } from '../../functions/assemble.js';
import { definition as publish } from '../../functions/publish.js';
import { definition as emitEvent } from '../../functions/emitEvent.js';
import { definition as cleanup } from '../../functions/cleanup.js';
import { definition as ecsSubmit } from '../../functions/ecsSubmit.js';
import { definition as ecsStatus } from '../../functions/ecsStatus.js';
import { definition as ingest } from '../../functions/ingest.js';
import { definition as webhookNotifier } from '../../functions/webhookNotifier.js';
import { definition as apiCreateJob } from '../../functions/api/createJob.js';
import { definition as apiGetJob } from '../../functions/api/getJob.js';
import { definition as apiListJobs } from '../../functions/api/listJobs.js';
import { definition as apiCancelJob } from '../../functions/api/cancelJob.js';
import { definition as apiCreateUpload } from '../../functions/api/createUpload.js';
import { definition as apiCreateTemplate } from '../../functions/api/createTemplate.js';
import { definition as apiListTemplates } from '../../functions/api/listTemplates.js';
import { definition as apiGetTemplate } from '../../functions/api/getTemplate.js';
import { definition as apiDeleteTemplate } from '../../functions/api/deleteTemplate.js';
import type { OperationId } from '../api/operations.js';
import type { HttpApiResult } from '../api/http.js';

/** The functions the state machine's Tasks invoke. */
export const TASK_FUNCTIONS: readonly FunctionDefinition[] = [probe, plan, split, transcodeSegment, thumbnails, assemble, publish, emitEvent, cleanup, ecsSubmit, ecsStatus];

/** The functions behind the HTTP API's routes, by operation id. */
export const API_FUNCTIONS: Record<OperationId, FunctionDefinition<HttpApiResult>> = {
  createJob: apiCreateJob,
  getJob: apiGetJob,
  listJobs: apiListJobs,
  cancelJob: apiCancelJob,
  createUpload: apiCreateUpload,
  createTemplate: apiCreateTemplate,
  listTemplates: apiListTemplates,
  getTemplate: apiGetTemplate,
  deleteTemplate: apiDeleteTemplate,
};

/** The event-driven functions: the ingest rule's target and the webhook notifier. */
export const EVENT_FUNCTIONS = { ingest, webhookNotifier } as const;

/** Every function, by name. */
export const ALL_FUNCTIONS: readonly FunctionDefinition[] = [...TASK_FUNCTIONS, ...Object.values(API_FUNCTIONS), ...Object.values(EVENT_FUNCTIONS)];

/** The ASL placeholder of a function's ARN: `transcodeSegment` -> `TranscodeSegmentFunctionArn`. */
export const placeholderOf = (name: string) => `${name[0].toUpperCase()}${name.slice(1)}FunctionArn`;
