/**
 * Every function of the service, by its serverless.yml name: the one list the wiring derives
 * from. Each module exports its `definition` (the code) and its `deploy` (memory, timeout, role,
 * events). The state machine's Task placeholders (`${ProbeFunctionArn}`), the local handlers and
 * substitutions (src/local/taskHandlers.ts), and serverless.yml's `functions:`, InvokeSteps and
 * DefinitionSubstitutions (src/deploy/serverlessWiring.ts, `npm run generate`) come from it.
 */
import type { FunctionDefinition } from '../pipeline/handler.js';
import type { FunctionDeploy } from '../deploy/functionDeploy.js';
import * as probe from '../../functions/probe.js';
import * as plan from '../../functions/plan.js';
import * as split from '../../functions/split.js';
import * as transcodeSegment from '../../functions/transcodeSegment.js';
import * as subtitles from '../../functions/subtitles.js';
import * as assemble from '../../functions/assemble.js';
import * as publish from '../../functions/publish.js';
import * as emitEvent from '../../functions/emitEvent.js';
import * as cleanup from '../../functions/cleanup.js';
import * as ecsSubmit from '../../functions/ecsSubmit.js';
import * as ecsStatus from '../../functions/ecsStatus.js';
import * as ingest from '../../functions/ingest.js';
import * as webhookNotifier from '../../functions/webhookNotifier.js';
import * as apiCreateJob from '../../functions/api/createJob.js';
import * as apiGetJob from '../../functions/api/getJob.js';
import * as apiListJobs from '../../functions/api/listJobs.js';
import * as apiCancelJob from '../../functions/api/cancelJob.js';
import * as apiCreateUpload from '../../functions/api/createUpload.js';
import * as apiCreateTemplate from '../../functions/api/createTemplate.js';
import * as apiListTemplates from '../../functions/api/listTemplates.js';
import * as apiGetTemplate from '../../functions/api/getTemplate.js';
import * as apiDeleteTemplate from '../../functions/api/deleteTemplate.js';
import type { OperationId } from '../api/operations.js';
import type { HttpApiResult } from '../api/http.js';

/** A function module: its code and how it is deployed. */
export interface FunctionModule<R = unknown> {
  definition: FunctionDefinition<R>;
  deploy: FunctionDeploy;
}

/** The modules of the functions the state machine's Tasks invoke, in the ASL's order. */
const TASK_MODULES: readonly FunctionModule[] = [
  probe,
  plan,
  split,
  transcodeSegment,
  subtitles,
  assemble,
  publish,
  emitEvent,
  cleanup,
  ecsSubmit,
  ecsStatus,
];

/** The modules behind the HTTP API's routes, by operation id (a new route's module goes here). */
const API_MODULES: Record<OperationId, FunctionModule<HttpApiResult>> = {
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

/** The event-driven modules: the ingest rule's target and the webhook notifier. */
const EVENT_MODULES = { ingest, webhookNotifier } as const;

/** Every function module, in serverless.yml's order. */
export const ALL_MODULES: readonly FunctionModule[] = [
  ...TASK_MODULES,
  ...Object.values(EVENT_MODULES),
  ...Object.values(API_MODULES),
];

/** The functions the state machine's Tasks invoke. */
export const TASK_FUNCTIONS: readonly FunctionDefinition[] = TASK_MODULES.map((m) => m.definition);

/** The functions behind the HTTP API's routes, by operation id. */
export const API_FUNCTIONS = Object.fromEntries(
  Object.entries(API_MODULES).map(([op, m]) => [op, m.definition]),
) as Record<OperationId, FunctionDefinition<HttpApiResult>>;

/** The event-driven functions: the ingest rule's target and the webhook notifier. */
export const EVENT_FUNCTIONS = { ingest: ingest.definition, webhookNotifier: webhookNotifier.definition } as const;

/** Every function, by name. */
export const ALL_FUNCTIONS: readonly FunctionDefinition[] = ALL_MODULES.map((m) => m.definition);

/** The ASL placeholder of a function's ARN: `transcodeSegment` -> `TranscodeSegmentFunctionArn`. */
export const placeholderOf = (name: string) => `${name[0].toUpperCase()}${name.slice(1)}FunctionArn`;

/** The CloudFormation logical id serverless gives a function: `transcodeSegment` -> `TranscodeSegmentLambdaFunction`. */
export const lambdaLogicalId = (name: string) => `${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`;
