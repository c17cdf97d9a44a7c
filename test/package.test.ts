/**
 * Packages the service offline (`npm run package`: layer, esbuild bundles, `serverless
 * package` with dummy credentials) once, then checks the generated CloudFormation template:
 * the state machine as deployed, least-privilege roles, private encrypted buckets, the ingest
 * rule, the HTTP API routes and authorizer, the webhook rule, the ECS worker wiring, runtimes
 * and the layer.
 */
import assert from 'node:assert/strict';
import { skipBecause } from './helpers/skip.js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import aslValidator from 'asl-validator';
import { parseConfig } from '../src/config.js';
import { jobsTableDefinition } from '../src/pipeline/jobStore.js';
import { DEFAULT_THRESHOLDS, thresholdsFromConfig } from '../src/pipeline/decider.js';
import { ECS_ATTEMPT_MAX_SECONDS } from '../src/ecs/state.js';
import { ecsSettingsFromConfig } from '../src/aws/ecs.js';
import { listFunctions } from '../scripts/build-functions.js';
import { ROUTES, functionName, routeKey } from '../src/api/routes.js';
import { allStates } from './helpers/asl.js';
import { ALL_MODULES, TASK_FUNCTIONS } from '../src/local/functions.js';
import { ECS_ENVIRONMENT, STARTER_ENVIRONMENT } from '../src/deploy/functionDeploy.js';
import { packagedDefinition } from '../src/pipeline/aslDefinition.js';
import { retryPolicyOf } from '../src/pipeline/retryPolicy.js';
import { packageOnce } from './helpers/packaged.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SLS_BIN = path.join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
const OUT = path.join(ROOT, '.serverless');
const TEMPLATE = path.join(OUT, 'cloudformation-template-update-stack.json');
const ASL_FILE = path.join(ROOT, 'statemachines', 'transcode.asl.json');
const WORKER_DOCKERFILE = path.join(ROOT, 'worker', 'Dockerfile');

// ------------------------------------------------------------------ template model
/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;
interface Resource {
  Type: string;
  Properties: Json;
  Condition?: string;
  DependsOn?: string | string[];
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: Json }>;
  Conditions?: Record<string, Json>;
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const pascal = (s: string) => s[0].toUpperCase() + s.slice(1);
const lambdaId = (fn: string) => `${pascal(fn)}LambdaFunction`;

/**
 * A resource reference as a short, comparable string: GetAtt X.Arn and Ref X become X,
 * `${X.Arn}/p/*` becomes X/p/*, and the partition/region/account of a built ARN are elided.
 */
function refName(v: Json): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    if ('Ref' in v) return String(v.Ref);
    if ('Fn::GetAtt' in v) {
      const [id, attr] = v['Fn::GetAtt'] as [string, string];
      return attr === 'Arn' ? id : `${id}.${attr}`;
    }
    if ('Fn::Sub' in v) {
      const s = (Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'][0] : v['Fn::Sub']) as string;
      return s
        .replace(/\$\{([A-Za-z0-9]+)\.Arn\}/g, '$1')
        .replace('arn:${AWS::Partition}:', 'arn:')
        .replace(':${AWS::Region}:${AWS::AccountId}:', ':REGION:ACCOUNT:');
    }
  }
  return JSON.stringify(v);
}

/** Evaluates a condition of the template (Fn::Equals of literals, Fn::Not), as CloudFormation would. */
function conditionHolds(t: Template, name: string): boolean {
  const evalCond = (c: Json): boolean => {
    if ('Fn::Equals' in c) return JSON.stringify(c['Fn::Equals'][0]) === JSON.stringify(c['Fn::Equals'][1]);
    if ('Fn::Not' in c) return !evalCond(c['Fn::Not'][0]);
    if ('Condition' in c) return conditionHolds(t, c.Condition as string);
    throw new Error(`condition ${name}: cannot evaluate ${JSON.stringify(c)}`);
  };
  const c = t.Conditions?.[name];
  assert.ok(c, `condition ${name} exists`);
  return evalCond(c);
}

/**
 * A function's environment as the handler would see it: Fn::If resolved against the template's
 * conditions (AWS::NoValue leaves the variable out), references as `resolved-<id>`.
 */
function resolvedEnv(t: Template, vars: Record<string, Json>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(vars)) {
    let v = raw;
    if (v && typeof v === 'object' && 'Fn::If' in v) {
      const [cond, yes, no] = v['Fn::If'] as [string, Json, Json];
      v = conditionHolds(t, cond) ? yes : no;
    }
    if (v && typeof v === 'object' && v.Ref === 'AWS::NoValue') continue;
    out[k] = typeof v === 'string' || typeof v === 'number' ? String(v) : `resolved-${refName(v)}`;
  }
  return out;
}

function roleStatements(t: Template, roleId: string): Statement[] {
  const role = t.Resources[roleId];
  assert.ok(role && role.Type === 'AWS::IAM::Role', `${roleId} is an IAM role`);
  assert.deepEqual(
    role.Properties.ManagedPolicyArns ?? [],
    [],
    `${roleId}: no managed policies (their actions cannot be checked here)`,
  );
  return (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
}

/** "action resource" pairs a role allows. */
function grants(t: Template, roleId: string): string[] {
  const out: string[] = [];
  for (const s of roleStatements(t, roleId)) {
    if (s.Effect !== 'Allow') continue;
    for (const a of asArray(s.Action)) for (const r of asArray(s.Resource)) out.push(`${a} ${refName(r)}`);
  }
  return [...new Set(out)].sort();
}

const logOnly = (...groups: string[]) =>
  groups.flatMap((g) => [`logs:CreateLogStream ${g}LogGroup`, `logs:PutLogEvents ${g}LogGroup`]);
/** A Lambda role's base: its log groups, and X-Ray's trace segments (Powertools Tracer). */
const logs = (...groups: string[]) => [...logOnly(...groups), 'xray:PutTelemetryRecords *', 'xray:PutTraceSegments *'];
/** A Lambda role's base for the functions deployed with it (their modules' `deploy.role`). */
const roleLogs = (role: string) => logs(...roleLogGroups(role));

/** What every role may do: exactly this, nothing wider. */
function expectedGrants(stateMachineName: string, workerFamily: string): Record<string, string[]> {
  const work = 'WorkBucket/jobs/*';
  return {
    ProbeRole: [
      ...roleLogs('ProbeRole'),
      's3:GetObject IngestBucket/*',
      's3:ListBucket IngestBucket',
      `s3:PutObject ${work}`,
    ],
    // Plan reads the source's moov once (the segments' own-bytes inputs).
    PlanRole: [...roleLogs('PlanRole'), 's3:GetObject IngestBucket/*', `s3:GetObject ${work}`, `s3:PutObject ${work}`],
    SourceReaderRole: [
      ...roleLogs('SourceReaderRole'),
      's3:GetObject IngestBucket/*',
      `s3:GetObject ${work}`,
      `s3:PutObject ${work}`,
      `s3:AbortMultipartUpload ${work}`,
      // the subtitle sidecars, in place
      's3:PutObject OutputBucket/*',
    ],
    // transcodeSegment writes its pieces in place, counts the results (a LIST), reads the job
    // record once and writes it only when it crosses a progress step (src/pipeline/progress.ts).
    WorkReadWriteRole: [
      ...roleLogs('WorkReadWriteRole'),
      's3:GetObject IngestBucket/*',
      `s3:GetObject ${work}`,
      `s3:PutObject ${work}`,
      `s3:AbortMultipartUpload ${work}`,
      's3:PutObject OutputBucket/*',
      's3:ListBucket WorkBucket',
      'dynamodb:GetItem JobsTable',
      'dynamodb:UpdateItem JobsTable',
      'events:PutEvents JobEventBus',
    ],
    // assemble lists the segments' results; reads the pieces and writes pictures and MP4s in place.
    AssembleRole: [
      ...roleLogs('AssembleRole'),
      's3:ListBucket WorkBucket',
      `s3:GetObject ${work}`,
      `s3:PutObject ${work}`,
      `s3:AbortMultipartUpload ${work}`,
      's3:GetObject OutputBucket/*',
      's3:PutObject OutputBucket/*',
      's3:AbortMultipartUpload OutputBucket/*',
      'dynamodb:UpdateItem JobsTable',
    ],
    // publish writes the manifests (from work) last and lists what the job wrote in place; assemble and publish record the job's phase.
    PublishRole: [
      ...roleLogs('PublishRole'),
      's3:ListBucket WorkBucket',
      `s3:GetObject ${work}`,
      's3:PutObject OutputBucket/*',
      's3:ListBucket OutputBucket',
      'dynamodb:UpdateItem JobsTable',
    ],
    // The emitter moves the job's record forward (a conditional UpdateItem, creating it when missing).
    EmitEventRole: [...roleLogs('EmitEventRole'), 'events:PutEvents JobEventBus', 'dynamodb:UpdateItem JobsTable'],
    // After a failure cleanup also aborts the job's multipart uploads, from their records.
    CleanupRole: [
      ...roleLogs('CleanupRole'),
      's3:ListBucket WorkBucket',
      `s3:DeleteObject ${work}`,
      's3:GetObject WorkBucket/jobs/*/uploads/*',
      's3:AbortMultipartUpload OutputBucket/*',
      's3:ListBucket OutputBucket',
      's3:DeleteObject OutputBucket/*',
    ],
    IngestRole: [
      ...roleLogs('IngestRole'),
      's3:GetObject IngestBucket/*',
      'dynamodb:GetItem JobsTable',
      'dynamodb:PutItem JobsTable',
      'states:StartExecution TranscodeStateMachine',
      'sqs:SendMessage IngestDeadLetterQueue',
    ],
    EcsSubmitRole: [
      ...roleLogs('EcsSubmitRole'),
      's3:PutObject WorkBucket/jobs/*/ecs/*',
      `ecs:RunTask arn:ecs:REGION:ACCOUNT:task-definition/${workerFamily}:*`,
      'iam:PassRole WorkerTaskRole',
      'iam:PassRole WorkerExecutionRole',
      'dynamodb:UpdateItem JobsTable',
    ],
    EcsStatusRole: [
      ...roleLogs('EcsStatusRole'),
      's3:GetObject WorkBucket/jobs/*/ecs/*',
      'ecs:DescribeTasks arn:ecs:REGION:ACCOUNT:task/${WorkerCluster}/*',
      'ecs:StopTask arn:ecs:REGION:ACCOUNT:task/${WorkerCluster}/*',
    ],
    ApiCreateJobRole: [
      ...roleLogs('ApiCreateJobRole'),
      's3:GetObject IngestBucket/*',
      's3:ListBucket IngestBucket',
      'dynamodb:GetItem JobsTable',
      'dynamodb:PutItem JobsTable',
      'states:StartExecution TranscodeStateMachine',
    ],
    // One GetItem per job; listing queries the indexes (never a Scan).
    ApiJobsReadRole: [...roleLogs('ApiJobsReadRole'), 'dynamodb:GetItem JobsTable', 'dynamodb:Query JobsTable/index/*'],
    // Cancel: the record, the execution, the job's worker task, its files, its one CANCELED event.
    ApiCancelJobRole: [
      ...roleLogs('ApiCancelJobRole'),
      'dynamodb:GetItem JobsTable',
      'dynamodb:UpdateItem JobsTable',
      `states:StopExecution arn:states:REGION:ACCOUNT:execution:${stateMachineName}:*`,
      'ecs:StopTask arn:ecs:REGION:ACCOUNT:task/${WorkerCluster}/*',
      's3:ListBucket WorkBucket',
      's3:DeleteObject WorkBucket/jobs/*',
      's3:ListBucket OutputBucket',
      's3:DeleteObject OutputBucket/*',
      's3:GetObject WorkBucket/jobs/*/uploads/*',
      's3:AbortMultipartUpload OutputBucket/*',
      'events:PutEvents JobEventBus',
    ],
    ApiCreateUploadRole: [...roleLogs('ApiCreateUploadRole'), 's3:PutObject IngestBucket/uploads/*'],
    // Templates: their items beside the jobs (template#<name>, the LeadingKeys condition), listed through byTime.
    ApiTemplatesRole: [
      ...roleLogs('ApiTemplatesRole'),
      'dynamodb:GetItem JobsTable',
      'dynamodb:PutItem JobsTable',
      'dynamodb:DeleteItem JobsTable',
      'dynamodb:Query JobsTable/index/byTime',
    ],
    // The signing secret: exactly its SSM parameter (docs/DEPLOY.md).
    WebhookNotifierRole: [
      ...roleLogs('WebhookNotifierRole'),
      'ssm:GetParameter arn:ssm:REGION:ACCOUNT:parameter/media-transcoder/dev/webhook-secret',
    ],
    TranscodeStateMachineRole: [
      ...TASK_FUNCTIONS.map((f) => `lambda:InvokeFunction ${lambdaId(f.name)}`),
      `states:StartExecution arn:states:REGION:ACCOUNT:stateMachine:${stateMachineName}`,
      `states:DescribeExecution arn:states:REGION:ACCOUNT:execution:${stateMachineName}/*`,
      `states:StopExecution arn:states:REGION:ACCOUNT:execution:${stateMachineName}/*`,
      ...['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'].map(
        (a) => `${a} WorkBucket/map-results/*`,
      ),
    ],
    WorkerExecutionRole: [
      ...logOnly('Worker'),
      'ecr:GetAuthorizationToken *',
      ...['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'].map(
        (a) => `${a} arn:ecr:REGION:ACCOUNT:repository/media-transcoder-worker`,
      ),
    ],
    // src/worker/run.ts: split, segments with their audio, thumbnails, assemble (which lists the results).
    // It writes in place like the Lambda path, and clears the fan-out's fallback records.
    WorkerTaskRole: [
      's3:GetObject IngestBucket/*',
      's3:ListBucket WorkBucket',
      `s3:GetObject ${work}`,
      `s3:PutObject ${work}`,
      `s3:AbortMultipartUpload ${work}`,
      's3:DeleteObject WorkBucket/jobs/*/fallback/*',
      's3:GetObject OutputBucket/*',
      's3:PutObject OutputBucket/*',
      's3:AbortMultipartUpload OutputBucket/*',
    ],
  };
}

// What each function is deployed with comes from its module's `deploy` (src/local/functions.ts),
// the source serverless.yml's entries are generated from: the template is checked against it.
const deployOf = (fn: string) => ALL_MODULES.find((m) => m.definition.name === fn)!.deploy;
/** Which role each function runs with (functions share a role only when their needs are equal). */
const FUNCTION_ROLES: Record<string, string> = Object.fromEntries(
  ALL_MODULES.map((m) => [m.definition.name, m.deploy.role]),
);
/** The log groups of a role's functions (its Logs statement names exactly these). */
const roleLogGroups = (role: string) =>
  ALL_MODULES.filter((m) => m.deploy.role === role).map((m) => pascal(m.definition.name));
/** Functions that start executions (and so know the state machine's ARN). */
const STARTER_FUNCTIONS = ALL_MODULES.filter((m) => m.deploy.environment === STARTER_ENVIRONMENT).map(
  (m) => m.definition.name,
);
/** The starters also build the execution input's config.decider (src/pipeline/decider.ts thresholdsFromConfig). */
const DECIDER_VARIABLES = [
  'MAX_LAMBDA_SIZE_BYTES',
  'MAX_LAMBDA_DURATION_SECONDS',
  'MAX_LAMBDA_KEYFRAME_GAP_SECONDS',
  'MAX_LAMBDA_LONG_SIDE',
  'MAX_LAMBDA_SHORT_SIDE',
  'MAX_LAMBDA_SEGMENT_ENCODE_SECONDS',
];
/** Functions that run, watch or stop worker tasks (src/aws/ecs.ts ecsSettingsFromConfig). */
const ECS_FUNCTIONS = ALL_MODULES.filter((m) => m.deploy.environment === ECS_ENVIRONMENT).map((m) => m.definition.name);
/** Functions that run ffmpeg or ffprobe, and so carry the layer. */
const FFMPEG_FUNCTIONS = ALL_MODULES.filter((m) => m.deploy.ffmpegLayer).map((m) => m.definition.name);
const BUCKETS = ['IngestBucket', 'WorkBucket', 'OutputBucket'];

// ------------------------------------------------------------------ ASL helpers
type State = Json & { Type: string };

/** Plays CloudFormation's part: fills ${Name} from DefinitionSubstitutions with plausible values. */
function substitute(t: Template, definitionString: string, subs: Record<string, Json>): string {
  return definitionString.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const v = subs[name];
    if (v === undefined) return whole;
    const id = refName(v);
    const res = t.Resources[id];
    if (!res) return whole;
    if (res.Type === 'AWS::Lambda::Function')
      return `arn:aws:lambda:us-east-1:123456789012:function:${res.Properties.FunctionName}`;
    if (res.Type === 'AWS::S3::Bucket') return `${id.toLowerCase()}-resolved`;
    return whole;
  });
}

// ------------------------------------------------------------------ zip listing
/** Names and Unix modes of the entries of a zip file (from its central directory). */
async function zipEntries(file: string): Promise<{ name: string; mode: number }[]> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let eocd = tailLen - 22;
    while (eocd >= 0 && tail.readUInt32LE(eocd) !== 0x06054b50) eocd--;
    assert.ok(eocd >= 0, `${file}: not a zip file`);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const out: { name: string; mode: number }[] = [];
    let off = 0;
    for (let i = 0; i < count; i++) {
      assert.equal(cd.readUInt32LE(off), 0x02014b50, `${file}: bad central directory`);
      const nameLen = cd.readUInt16LE(off + 28);
      const extraLen = cd.readUInt16LE(off + 30);
      const commentLen = cd.readUInt16LE(off + 32);
      const external = cd.readUInt32LE(off + 38);
      out.push({ name: cd.toString('utf8', off + 46, off + 46 + nameLen), mode: (external >>> 16) & 0o777 });
      off += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  } finally {
    await fh.close();
  }
}

function runCommand(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

// ------------------------------------------------------------------ the tests
describe('serverless package (offline CloudFormation)', function () {
  this.timeout(60_000);
  let t: Template;
  let functions: string[];

  before(async function () {
    if (!existsSync(SLS_BIN)) {
      skipBecause(this, `the serverless CLI is not installed (${path.relative(ROOT, SLS_BIN)}); run npm install`);
    }
    // Packaging bundles 18 functions and runs `serverless package`: minutes on a loaded machine.
    this.timeout(600_000);
    // Shared with test/e2e/packaged-handlers.test.ts: one package build per run.
    const r = await packageOnce(590_000);
    assert.equal(r.code, 0, `npm run package failed:\n${r.output.slice(-4000)}`);
    t = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as Template;
    // functions/<name>.ts and functions/api/<op>.ts (as api<Op>), named as the bundler names them.
    functions = await listFunctions(ROOT);
    assert.ok(
      (await readdir(path.join(ROOT, 'functions')))
        .filter((f) => f.endsWith('.ts'))
        .every((f) => functions.includes(f.slice(0, -3))),
    );
  });

  const ofType = (type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);

  describe('functions', () => {
    it('every handler in functions/ is a Lambda function, and there are no others', () => {
      const lambdas = ofType('AWS::Lambda::Function')
        .map(([id]) => id)
        .sort();
      assert.deepEqual(lambdas, functions.map(lambdaId).sort());
      assert.deepEqual(
        Object.keys(FUNCTION_ROLES).sort(),
        [...functions].sort(),
        'FUNCTION_ROLES lists every function',
      );
    });

    it('all run nodejs22.x on x86_64 with the bundled ESM handler', () => {
      for (const fn of functions) {
        const p = t.Resources[lambdaId(fn)].Properties;
        assert.equal(p.Runtime, 'nodejs22.x', fn);
        assert.deepEqual(p.Architectures, ['x86_64'], fn);
        assert.equal(p.Handler, `dist/lambda/${fn}/index.handler`, fn);
      }
    });

    it('each function has the environment src/config.ts needs; only the starters (ingest, POST /jobs) know the state machine', () => {
      for (const fn of functions) {
        const vars = t.Resources[lambdaId(fn)].Properties.Environment.Variables as Record<string, Json>;
        const env = resolvedEnv(t, vars);
        const c = parseConfig(env);
        assert.equal(vars.INGEST_BUCKET.Ref, 'IngestBucket', fn);
        assert.equal(vars.WORK_BUCKET.Ref, 'WorkBucket', fn);
        assert.equal(vars.OUTPUT_BUCKET.Ref, 'OutputBucket', fn);
        assert.equal(vars.EVENT_BUS_NAME.Ref, 'JobEventBus', fn);
        assert.equal(c.SEGMENT_SECONDS, 4, `${fn}: default segmentSeconds`);
        assert.equal(c.MAP_MAX_CONCURRENCY, 1000, `${fn}: default mapMaxConcurrency`);
        if (STARTER_FUNCTIONS.includes(fn))
          assert.deepEqual(vars.STATE_MACHINE_ARN, { Ref: 'TranscodeStateMachine' }, fn);
        else assert.equal(vars.STATE_MACHINE_ARN, undefined, fn);
      }
    });

    it('the starters carry all six decider thresholds (defaults as in src/pipeline/decider.ts); no other function does', () => {
      for (const fn of functions) {
        const vars = t.Resources[lambdaId(fn)].Properties.Environment.Variables as Record<string, Json>;
        if (!STARTER_FUNCTIONS.includes(fn)) {
          assert.deepEqual(
            Object.keys(vars).filter((k) => k.startsWith('MAX_LAMBDA_')),
            [],
            fn,
          );
          continue;
        }
        for (const k of DECIDER_VARIABLES) assert.ok(vars[k] !== undefined, `${fn}: ${k}`);
        assert.deepEqual(
          Object.keys(vars)
            .filter((k) => k.startsWith('MAX_LAMBDA_'))
            .sort(),
          [...DECIDER_VARIABLES].sort(),
          `${fn}: every MAX_LAMBDA_* variable is one src/config.ts reads`,
        );
        assert.deepEqual(
          thresholdsFromConfig(parseConfig(resolvedEnv(t, vars))),
          DEFAULT_THRESHOLDS,
          `${fn}: default thresholds`,
        );
      }
    });

    it('the ECS functions know the worker cluster, task definition, network and container; no other function does', () => {
      const td = t.Resources.WorkerTaskDefinition.Properties;
      for (const fn of functions) {
        const vars = t.Resources[lambdaId(fn)].Properties.Environment.Variables as Record<string, Json>;
        if (!ECS_FUNCTIONS.includes(fn)) {
          assert.deepEqual(
            Object.keys(vars).filter((k) => k.startsWith('ECS_')),
            [],
            fn,
          );
          continue;
        }
        assert.deepEqual(vars.ECS_CLUSTER, { Ref: 'WorkerCluster' }, fn);
        assert.deepEqual(vars.ECS_TASK_DEFINITION, { Ref: 'WorkerTaskDefinition' }, fn);
        const c = parseConfig(resolvedEnv(t, vars));
        const s = ecsSettingsFromConfig(c);
        assert.ok(
          s.subnets.length >= 1 && s.subnets.every((x) => x.startsWith('subnet-')),
          `${fn}: subnets ${s.subnets}`,
        );
        assert.ok(
          s.securityGroups.length >= 1 && s.securityGroups.every((x) => x.startsWith('sg-')),
          `${fn}: security groups ${s.securityGroups}`,
        );
        assert.equal(s.assignPublicIp, 'DISABLED', `${fn}: default workerAssignPublicIp`);
        assert.equal(
          s.capacityProvider,
          undefined,
          `${fn}: launch type FARGATE by default (workerCapacityProvider none)`,
        );
        assert.equal(c.ECS_POLL_SECONDS, 30, `${fn}: default workerPollSeconds`);
        assert.equal(c.ECS_CONTAINER_NAME, 'encoder', fn);
        assert.deepEqual(
          (td.ContainerDefinitions as { Name: string }[]).map((x) => x.Name),
          [c.ECS_CONTAINER_NAME],
          `${fn}: the container overrides name the task definition's only container`,
        );
      }
      // The capacity provider is a real variable when the parameter names one.
      const cp = (t.Resources[lambdaId('ecsSubmit')].Properties.Environment.Variables as Record<string, Json>)
        .ECS_CAPACITY_PROVIDER;
      assert.deepEqual(cp?.['Fn::If']?.[2], { Ref: 'AWS::NoValue' });
      assert.equal(conditionHolds(t, cp['Fn::If'][0] as string), false);
    });

    it('the ffmpeg layer is on exactly the functions that run ffmpeg or ffprobe', () => {
      for (const fn of functions) {
        const layers = t.Resources[lambdaId(fn)].Properties.Layers;
        if (FFMPEG_FUNCTIONS.includes(fn)) assert.deepEqual(layers, [{ Ref: 'FfmpegLambdaLayer' }], fn);
        else assert.equal(layers, undefined, fn);
      }
      const layer = t.Resources.FfmpegLambdaLayer;
      assert.equal(layer.Type, 'AWS::Lambda::LayerVersion');
      assert.deepEqual(layer.Properties.CompatibleRuntimes, ['nodejs22.x']);
      assert.deepEqual(layer.Properties.CompatibleArchitectures, ['x86_64']);
    });

    it('the layer zip holds executable bin/ffmpeg and bin/ffprobe (at /opt/bin once mounted)', async () => {
      const entries = await zipEntries(path.join(OUT, 'ffmpeg.zip'));
      for (const name of ['bin/ffmpeg', 'bin/ffprobe']) {
        const e = entries.find((x) => x.name === name);
        assert.ok(e, `${name} in the layer zip`);
        assert.equal(e.mode & 0o755, 0o755, `${name} is world-executable`);
      }
    });

    it('each function zip holds only its bundle (plus sharp for assemble: the sprite and the poster)', async () => {
      for (const fn of functions) {
        const names = (await zipEntries(path.join(OUT, `${fn}.zip`))).map((e) => e.name);
        assert.ok(names.includes(`dist/lambda/${fn}/index.mjs`), `${fn}.zip has its bundle`);
        assert.ok(
          names.every((n) => n.startsWith(`dist/lambda/${fn}/`)),
          `${fn}.zip holds nothing else: ${names.filter((n) => !n.startsWith(`dist/lambda/${fn}/`)).slice(0, 3)}`,
        );
        const hasSharp = names.some((n) => n.includes('/node_modules/@img/sharp-linux-x64/'));
        assert.equal(hasSharp, fn === 'assemble', `${fn}: sharp's Linux x64 build only where it is imported`);
      }
    });

    it('every bundle loads and exports a handler', async () => {
      // In a child process: the assemble bundle loads its own copy of sharp.
      const script = `const names = ${JSON.stringify(functions)};
        for (const n of names) { const m = await import('./dist/lambda/' + n + '/index.mjs'); if (typeof m.handler !== 'function') throw new Error(n + ': no handler'); }
        console.log('ok ' + names.length);`;
      const r = await runCommand(process.execPath, ['--input-type=module', '-e', script], 50_000);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, new RegExp(`ok ${functions.length}`));
    });
  });

  describe('state machine', () => {
    const sm = () => t.Resources.TranscodeStateMachine;

    it('is a Standard state machine whose ASL placeholders are all substituted', () => {
      assert.equal(sm().Type, 'AWS::StepFunctions::StateMachine');
      assert.equal(sm().Properties.StateMachineType, 'STANDARD');
      const def = sm().Properties.DefinitionString as string;
      assert.equal(typeof def, 'string');
      const placeholders = new Set(
        [...readFileSync(ASL_FILE, 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]),
      );
      const subs = sm().Properties.DefinitionSubstitutions as Record<string, Json>;
      assert.deepEqual(
        Object.keys(subs).sort(),
        [...placeholders].sort(),
        'one substitution per ASL placeholder, no extra',
      );
      for (const [name, v] of Object.entries(subs)) {
        const id = refName(v);
        assert.ok(t.Resources[id], `${name} -> ${id} exists in the template`);
        if (name.endsWith('FunctionArn')) {
          assert.deepEqual(v, { 'Fn::GetAtt': [id, 'Arn'] }, name);
          assert.equal(t.Resources[id].Type, 'AWS::Lambda::Function', name);
        }
      }
      assert.deepEqual(subs.WorkBucketName, { Ref: 'WorkBucket' });
      assert.deepEqual(
        JSON.parse(def),
        packagedDefinition(),
        'the deployed definition is the ASL file with its Retry policies',
      );
      assert.doesNotMatch(substitute(t, def, subs), /\$\{/, 'nothing left to substitute');
    });

    it('every deployed Task has its TimeoutSeconds, the Retry of src/pipeline/retryPolicy.ts and the Catch of the source ASL (which holds no Retry)', () => {
      const def = JSON.parse(sm().Properties.DefinitionString as string) as { States: Record<string, State> };
      const source = JSON.parse(readFileSync(ASL_FILE, 'utf8')) as { States: Record<string, State> };
      const sourceStates = new Map(allStates(source.States));
      let tasks = 0;
      for (const [name, s] of allStates(def.States)) {
        if (s.Type !== 'Task') continue;
        tasks++;
        const src = sourceStates.get(name)!;
        assert.equal(src.Retry, undefined, `${name}: the source ASL has no Retry`);
        assert.ok(
          typeof s.TimeoutSeconds === 'number' && s.TimeoutSeconds === src.TimeoutSeconds,
          `${name}: TimeoutSeconds`,
        );
        assert.deepEqual(s.Retry, retryPolicyOf(name), `${name}: Retry`);
        assert.deepEqual(s.Catch, src.Catch, `${name}: Catch`);
      }
      assert.equal(tasks, [...sourceStates.values()].filter((s) => s.Type === 'Task').length);
    });

    it('every Task resource is a Lambda function of this template', () => {
      const subs = sm().Properties.DefinitionSubstitutions as Record<string, Json>;
      const def = JSON.parse(sm().Properties.DefinitionString as string) as { States: Record<string, State> };
      let tasks = 0;
      for (const [name, s] of allStates(def.States)) {
        if (s.Type !== 'Task') continue;
        tasks++;
        const m = /^\$\{([A-Za-z0-9]+)\}$/.exec(String(s.Resource));
        assert.ok(m, `${name}: Resource is a placeholder`);
        const id = refName(subs[m[1]]);
        const fn = t.Resources[id];
        assert.equal(fn?.Type, 'AWS::Lambda::Function', `${name} -> ${id}`);
        assert.ok(
          fn.Properties.Timeout < s.TimeoutSeconds,
          `${name}: Lambda timeout ${fn.Properties.Timeout} s under the Task's ${s.TimeoutSeconds} s`,
        );
      }
      assert.ok(tasks >= 10);
    });

    it('its role may invoke exactly the functions its Task states name (the ECS submit and status ones included)', () => {
      const subs = sm().Properties.DefinitionSubstitutions as Record<string, Json>;
      const def = JSON.parse(sm().Properties.DefinitionString as string) as { States: Record<string, State> };
      const named = new Set<string>();
      for (const [, s] of allStates(def.States)) {
        const m = s.Type === 'Task' ? /^\$\{([A-Za-z0-9]+)\}$/.exec(String(s.Resource)) : null;
        if (m) named.add(refName(subs[m[1]]));
      }
      assert.ok(
        named.has('EcsSubmitLambdaFunction') && named.has('EcsStatusLambdaFunction'),
        'the ECS loop runs the two ECS functions',
      );
      const invokable = grants(t, 'TranscodeStateMachineRole')
        .filter((g) => g.startsWith('lambda:InvokeFunction '))
        .map((g) => g.split(' ')[1]);
      assert.deepEqual(invokable.sort(), [...named].sort());
    });

    it('passes asl-validator as deployed (after substitution)', async () => {
      const sub = substitute(
        t,
        sm().Properties.DefinitionString as string,
        sm().Properties.DefinitionSubstitutions as Record<string, Json>,
      );
      const r = await aslValidator(JSON.parse(sub) as never);
      assert.equal(r.isValid, true, r.errorsText('\n'));
    });

    it('runs with its own role; the Maps (segments, MP4 parts) write their results to the work bucket the role allows', () => {
      assert.deepEqual(sm().Properties.RoleArn, { 'Fn::GetAtt': ['TranscodeStateMachineRole', 'Arn'] });
      const trust = t.Resources.TranscodeStateMachineRole.Properties.AssumeRolePolicyDocument.Statement[0];
      assert.equal(trust.Principal.Service, 'states.amazonaws.com');
      const def = JSON.parse(sm().Properties.DefinitionString as string) as { States: Record<string, State> };
      const maps = [...allStates(def.States)].filter(
        ([, s]) => s.Type === 'Map' && s.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED',
      );
      assert.deepEqual(maps.map(([name]) => name).sort(), ['AssembleParts', 'TranscodeSegments']);
      for (const [name, map] of maps) {
        const writer = map.ResultWriter;
        assert.equal(writer.Parameters.Bucket, '${WorkBucketName}', name);
        assert.ok(
          grants(t, 'TranscodeStateMachineRole').includes(`s3:PutObject WorkBucket/${writer.Parameters.Prefix}/*`),
          name,
        );
      }
    });

    it('a CloudWatch alarm fires on ExecutionsFailed', () => {
      const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
      const a = alarms.find((p) => p.MetricName === 'ExecutionsFailed');
      assert.ok(a, 'ExecutionsFailed alarm');
      assert.equal(a.Namespace, 'AWS/States');
      assert.deepEqual(a.Dimensions, [{ Name: 'StateMachineArn', Value: { Ref: 'TranscodeStateMachine' } }]);
      assert.ok(a.Threshold >= 1 && a.AlarmActions?.length, 'alarms on a failure and notifies');
    });
  });

  describe('least privilege', () => {
    it("each function has its module's memory, timeout and /tmp (provider defaults: 512 MB, 512 MB)", () => {
      for (const fn of functions) {
        const p = t.Resources[lambdaId(fn)].Properties;
        const d = deployOf(fn);
        const memory = typeof d.memorySize === 'string' ? 3008 : (d.memorySize ?? 512); // the one parameter, transcodeMemoryMb, at its default
        assert.deepEqual(
          [p.MemorySize, p.Timeout, p.EphemeralStorage?.Size ?? 512],
          [memory, d.timeout, d.ephemeralStorageSize ?? 512],
          fn,
        );
      }
    });

    it('each function runs with its own role group', () => {
      for (const [fn, role] of Object.entries(FUNCTION_ROLES)) {
        assert.deepEqual(t.Resources[lambdaId(fn)].Properties.Role, { 'Fn::GetAtt': [role, 'Arn'] }, fn);
      }
      assert.equal(t.Resources.IamRoleLambdaExecution, undefined, 'no shared default role');
    });

    it('each role allows exactly what its functions need', () => {
      const name = t.Resources.TranscodeStateMachine.Properties.StateMachineName as string;
      const expected = expectedGrants(name, t.Resources.WorkerTaskDefinition.Properties.Family as string);
      const roles = ofType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort();
      assert.deepEqual(roles, Object.keys(expected).sort(), 'the roles of the stack');
      for (const [role, want] of Object.entries(expected)) assert.deepEqual(grants(t, role), [...want].sort(), role);
    });

    it('no role allows a wildcard action; "*" resources only where AWS allows nothing else', () => {
      for (const [id] of ofType('AWS::IAM::Role')) {
        for (const s of roleStatements(t, id)) {
          assert.equal(s.Effect, 'Allow', `${id}: only Allow statements`);
          assert.ok(!('NotAction' in s) && !('NotResource' in s), `${id}: no NotAction/NotResource`);
          for (const a of asArray(s.Action)) assert.doesNotMatch(a, /\*/, `${id}: action ${a}`);
          if (asArray(s.Resource).includes('*')) {
            const actions = asArray(s.Action).join(' ');
            assert.ok(
              ['ecr:GetAuthorizationToken', 'xray:PutTraceSegments xray:PutTelemetryRecords'].includes(actions),
              `${id}: "*" resource for ${actions}`,
            );
          }
        }
      }
    });

    it('S3 permissions name only the three buckets; the ingest bucket is read-only (but for the upload presigner)', () => {
      for (const [id] of ofType('AWS::IAM::Role')) {
        for (const s of roleStatements(t, id)) {
          if (!asArray(s.Action).some((a) => a.startsWith('s3:'))) continue;
          for (const r of asArray(s.Resource)) {
            const name = refName(r).split('/')[0];
            assert.ok(BUCKETS.includes(name), `${id}: S3 resource ${refName(r)}`);
            if (name === 'IngestBucket') {
              // POST /uploads hands out presigned PUT URLs, which carry the signer's rights: its
              // role alone may put, and only new uploads under uploads/ (never read or delete).
              const allowed =
                id === 'ApiCreateUploadRole' && refName(r) === 'IngestBucket/uploads/*'
                  ? ['s3:PutObject']
                  : ['s3:GetObject', 's3:ListBucket'];
              for (const a of asArray(s.Action)) assert.ok(allowed.includes(a), `${id}: ${a} on ${refName(r)}`);
            }
          }
        }
      }
    });

    it('StartExecution only on this state machine; PutEvents only on the job bus', () => {
      const name = t.Resources.TranscodeStateMachine.Properties.StateMachineName as string;
      for (const [id] of ofType('AWS::IAM::Role')) {
        for (const g of grants(t, id)) {
          const [action, resource] = g.split(' ');
          if (action === 'states:StartExecution')
            assert.ok(
              [`TranscodeStateMachine`, `arn:states:REGION:ACCOUNT:stateMachine:${name}`].includes(resource),
              `${id}: ${g}`,
            );
          if (action === 'events:PutEvents') assert.equal(resource, 'JobEventBus', `${id}: ${g}`);
        }
      }
      const put = roleStatements(t, 'EmitEventRole').find((s) => asArray(s.Action).includes('events:PutEvents'));
      assert.deepEqual(put?.Condition, { StringEquals: { 'events:source': 'media-transcoder' } });
    });

    it('ECS actions only in the worker cluster; PassRole only of the worker roles, only to ECS tasks', () => {
      const cluster = { 'Fn::GetAtt': ['WorkerCluster', 'Arn'] };
      const family = t.Resources.WorkerTaskDefinition.Properties.Family as string;
      const passers: string[] = [];
      for (const [id] of ofType('AWS::IAM::Role')) {
        for (const s of roleStatements(t, id)) {
          const actions = asArray(s.Action);
          if (actions.some((a) => a.startsWith('ecs:'))) {
            assert.ok(
              actions.every((a) => ['ecs:RunTask', 'ecs:DescribeTasks', 'ecs:StopTask'].includes(a)),
              `${id}: ${actions}`,
            );
            assert.deepEqual(
              s.Condition,
              { ArnEquals: { 'ecs:cluster': cluster } },
              `${id}: ${actions} conditioned on the worker cluster`,
            );
            const want = actions.includes('ecs:RunTask')
              ? [`arn:ecs:REGION:ACCOUNT:task-definition/${family}:*`]
              : ['arn:ecs:REGION:ACCOUNT:task/${WorkerCluster}/*'];
            if (actions.includes('ecs:RunTask'))
              assert.deepEqual(actions, ['ecs:RunTask'], `${id}: RunTask in its own statement`);
            assert.deepEqual(asArray(s.Resource).map(refName), want, `${id}: ${actions}`);
          }
          if (actions.includes('iam:PassRole')) {
            passers.push(id);
            assert.deepEqual(actions, ['iam:PassRole'], id);
            assert.deepEqual(
              asArray(s.Resource).map(refName).sort(),
              ['WorkerExecutionRole', 'WorkerTaskRole'],
              `${id}: exactly the task and execution roles`,
            );
            assert.deepEqual(s.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }, id);
          }
        }
      }
      assert.deepEqual(passers, ['EcsSubmitRole'], 'only the submit function passes roles');
      const td = t.Resources.WorkerTaskDefinition.Properties;
      assert.deepEqual(
        [refName(td.TaskRoleArn), refName(td.ExecutionRoleArn)],
        ['WorkerTaskRole', 'WorkerExecutionRole'],
        "the roles passed are the task definition's",
      );
    });
  });

  describe('storage and events', () => {
    it('every bucket is private and encrypted', () => {
      const buckets = ofType('AWS::S3::Bucket');
      for (const b of BUCKETS) assert.ok(t.Resources[b], b);
      for (const [id, b] of buckets) {
        const pab = b.Properties.PublicAccessBlockConfiguration;
        assert.deepEqual(
          pab,
          { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          `${id}: public access blocked`,
        );
        const sse =
          b.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault
            ?.SSEAlgorithm;
        assert.ok(['AES256', 'aws:kms', 'aws:kms:dsse'].includes(sse), `${id}: encrypted (${sse})`);
      }
    });

    it('the three buckets refuse plain HTTP', () => {
      const policies = ofType('AWS::S3::BucketPolicy').map(([, r]) => r.Properties);
      for (const b of BUCKETS) {
        const p = policies.find((x) => refName(x.Bucket) === b);
        assert.ok(p, `${b} has a bucket policy`);
        const deny = (p.PolicyDocument.Statement as Statement[]).find(
          (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === false,
        );
        assert.ok(deny, `${b}: TLS enforced`);
        assert.deepEqual(asArray(deny.Resource).map(refName).sort(), [b, `${b}/*`]);
      }
    });

    it('the ingest bucket notifies EventBridge; the work bucket expires its objects', () => {
      assert.equal(
        t.Resources.IngestBucket.Properties.NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled,
        true,
      );
      const rules = t.Resources.WorkBucket.Properties.LifecycleConfiguration.Rules as Json[];
      assert.ok(
        rules.some((r) => r.Status === 'Enabled' && r.ExpirationInDays === 3 && !r.Prefix && !r.Filter),
        'default workRetentionDays (3) over the whole bucket',
      );
      // MP4s are multipart uploads written in place: an upload Cleanup could not abort goes too;
      // published objects never expire.
      const out = t.Resources.OutputBucket.Properties.LifecycleConfiguration.Rules as Json[];
      assert.ok(
        out.some(
          (r) =>
            r.Status === 'Enabled' && (r.AbortIncompleteMultipartUpload as Json | undefined)?.DaysAfterInitiation === 2,
        ),
      );
      assert.ok(
        out.every((r) => r.ExpirationInDays === undefined),
        'outputs never expire',
      );
    });

    it('the ingest rule matches Object Created in the ingest bucket and targets the ingest function', () => {
      const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
        (r.Properties.Targets as Json[]).some((x) => refName(x.Arn) === 'IngestLambdaFunction'),
      );
      assert.equal(rules.length, 1, 'one rule targets ingest');
      const [ruleId, rule] = rules[0];
      assert.equal(rule.Properties.EventBusName, undefined, 'S3 delivers to the default bus');
      assert.deepEqual(rule.Properties.EventPattern, {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: 'IngestBucket' }] } },
      });
      const perm = ofType('AWS::Lambda::Permission').find(
        ([, p]) => refName(p.Properties.FunctionName) === 'IngestLambdaFunction',
      );
      assert.ok(perm, 'EventBridge may invoke ingest');
      assert.equal(perm[1].Properties.Principal, 'events.amazonaws.com');
      const source = perm[1].Properties.SourceArn;
      assert.ok(
        refName(source) === ruleId || JSON.stringify(source).includes(`"rule","${rule.Properties.Name}"`),
        `invoke permission scoped to ${ruleId}`,
      );
      // No acknowledged upload dropped: delivery retried for 24 h, then dead-lettered; a failed
      // ingest retried twice by Lambda, then sent to the same queue.
      const target = (rule.Properties.Targets as Json[]).find((x) => refName(x.Arn) === 'IngestLambdaFunction');
      assert.deepEqual(target.RetryPolicy, { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
      assert.equal(refName(target.DeadLetterConfig?.Arn), 'IngestDeadLetterQueue');
      const invokeConfig = ofType('AWS::Lambda::EventInvokeConfig').find(
        ([, c]) =>
          JSON.stringify(c.Properties.FunctionName).includes('IngestLambdaFunction') ||
          String(c.Properties.FunctionName).includes('ingest'),
      );
      assert.ok(invokeConfig, 'the ingest function has an async invocation config');
      assert.equal(invokeConfig[1].Properties.MaximumRetryAttempts, 2);
      assert.equal(
        refName(invokeConfig[1].Properties.DestinationConfig.OnFailure.Destination),
        'IngestDeadLetterQueue',
      );
      const q = t.Resources.IngestDeadLetterQueue;
      assert.deepEqual(
        [q.Type, q.Properties.SqsManagedSseEnabled, q.Properties.MessageRetentionPeriod],
        ['AWS::SQS::Queue', true, 1209600],
      );
      const qp = ofType('AWS::SQS::QueuePolicy').find(([, p]) =>
        (p.Properties.Queues as Json[]).some((x) => refName(x) === 'IngestDeadLetterQueue'),
      );
      assert.equal(
        qp?.[1].Properties.PolicyDocument.Statement[0].Principal.Service,
        'events.amazonaws.com',
        'EventBridge may send dead letters',
      );
    });

    it('job events go to the stack event bus consumers attach rules to', () => {
      assert.equal(t.Resources.JobEventBus.Type, 'AWS::Events::EventBus');
      assert.deepEqual(t.Outputs.JobEventBusName.Value, { Ref: 'JobEventBus' });
    });
  });

  describe('job records', () => {
    it('an on-demand, encrypted DynamoDB table with the keys and indexes src/pipeline/jobStore.ts uses; every function knows its name', () => {
      const tables = ofType('AWS::DynamoDB::Table');
      assert.deepEqual(
        tables.map(([id]) => id),
        ['JobsTable'],
      );
      const p = t.Resources.JobsTable.Properties as Record<string, Json>;
      const want = jobsTableDefinition('x');
      assert.equal(p.BillingMode, 'PAY_PER_REQUEST');
      assert.deepEqual(p.SSESpecification, { SSEEnabled: true });
      const sortBy = <T extends Record<string, unknown>>(a: T[], k: string) =>
        [...a].sort((x, y) => String(x[k]).localeCompare(String(y[k])));
      assert.deepEqual(
        sortBy(p.AttributeDefinitions as never[], 'AttributeName'),
        sortBy(want.AttributeDefinitions as never[], 'AttributeName'),
      );
      assert.deepEqual(p.KeySchema, want.KeySchema);
      assert.deepEqual(
        sortBy(p.GlobalSecondaryIndexes as never[], 'IndexName'),
        sortBy(want.GlobalSecondaryIndexes as never[], 'IndexName'),
      );
      for (const [id, r] of ofType('AWS::Lambda::Function')) {
        const env = (r.Properties.Environment as { Variables: Record<string, Json> }).Variables;
        assert.deepEqual(env.JOBS_TABLE, { Ref: 'JobsTable' }, id);
      }
    });
  });

  describe('HTTP API and worker', () => {
    it('the HTTP API has an authorizer chosen by the apiAuthMode parameter', () => {
      assert.equal(t.Resources.HttpApi.Properties.ProtocolType, 'HTTP');
      assert.equal(refName(t.Resources.HttpApiStage.Properties.ApiId), 'HttpApi');
      const auth = ofType('AWS::ApiGatewayV2::Authorizer');
      assert.equal(auth.length, 1);
      const [id, a] = auth[0];
      assert.equal(
        id,
        'HttpApiAuthorizerJwt',
        "the logical id serverless gives authorizer 'jwt', so later routes reuse it",
      );
      assert.equal(refName(a.Properties.ApiId), 'HttpApi');
      assert.equal(a.Properties.AuthorizerType, 'JWT');
      assert.ok(a.Properties.JwtConfiguration.Issuer && a.Properties.JwtConfiguration.Audience.length);
      // Default stage: apiAuthMode=iam, so the JWT authorizer is not created and routes use AWS_IAM.
      const cond = t.Conditions?.[a.Condition ?? ''];
      assert.ok(cond, 'the JWT authorizer is conditional');
      const [left, right] = cond['Fn::Equals'] as [string, string];
      assert.equal(t.Outputs.HttpApiAuthMode.Value, 'iam');
      assert.equal(left === right, false, 'not created in iam mode');
    });

    it('one route per API operation (src/api/routes.ts, docs/openapi.json), each to its function, all authorized', () => {
      const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
      assert.deepEqual(
        routes.map((r) => r.RouteKey).sort(),
        ROUTES.map(routeKey).sort(),
        'the routes of the document, no other',
      );
      for (const route of ROUTES) {
        const r = routes.find((x) => x.RouteKey === routeKey(route))!;
        assert.equal(refName(r.ApiId), 'HttpApi');
        assert.equal(r.AuthorizationType, 'AWS_IAM', `${routeKey(route)}: default apiAuthMode=iam`);
        const integrationId = JSON.stringify(r.Target).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1] ?? '';
        const integration = t.Resources[integrationId]?.Properties;
        assert.equal(integration?.PayloadFormatVersion, '2.0', routeKey(route));
        assert.equal(
          refName(integration.IntegrationUri),
          lambdaId(functionName(route.operationId)),
          `${routeKey(route)} -> ${functionName(route.operationId)}`,
        );
        assert.ok(
          t.Resources[lambdaId(functionName(route.operationId))].Properties.Timeout < 30,
          "under API Gateway's 30 s",
        );
      }
    });

    it('the webhook notifier is the target of a rule on the job bus, with bounded retries', () => {
      const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
        (r.Properties.Targets as Json[]).some((x) => refName(x.Arn) === 'WebhookNotifierLambdaFunction'),
      );
      assert.equal(rules.length, 1);
      const rule = rules[0][1].Properties;
      assert.equal(refName(rule.EventBusName), 'JobEventBus');
      assert.deepEqual(rule.EventPattern['detail-type'], ['Transcode Job State Change']);
      assert.deepEqual(rule.EventPattern.source, ['media-transcoder']);
      const target = (rule.Targets as Json[]).find((x) => refName(x.Arn) === 'WebhookNotifierLambdaFunction');
      assert.ok(target.RetryPolicy.MaximumRetryAttempts <= 3, 'EventBridge retries bounded');
      const conf = ofType('AWS::Lambda::EventInvokeConfig').find(
        ([, c]) => refName(c.Properties.FunctionName) === 'WebhookNotifierLambdaFunction',
      );
      assert.ok(conf, 'async invoke config');
      assert.ok(conf[1].Properties.MaximumRetryAttempts <= 2, 'Lambda async retries bounded');
    });

    it('ECS cluster, Fargate task definition, roles and log group for the large-asset worker', () => {
      assert.equal(ofType('AWS::ECS::Cluster').length, 1);
      const td = t.Resources.WorkerTaskDefinition.Properties;
      assert.deepEqual(td.RequiresCompatibilities, ['FARGATE']);
      assert.equal(td.NetworkMode, 'awsvpc');
      assert.deepEqual(td.ExecutionRoleArn, { 'Fn::GetAtt': ['WorkerExecutionRole', 'Arn'] });
      assert.deepEqual(td.TaskRoleArn, { 'Fn::GetAtt': ['WorkerTaskRole', 'Arn'] });
      const c = td.ContainerDefinitions[0];
      assert.ok(typeof c.Image === 'string' && c.Image.length > 0);
      assert.equal(c.LogConfiguration.LogDriver, 'awslogs');
      assert.deepEqual(c.LogConfiguration.Options['awslogs-group'], { Ref: 'WorkerLogGroup' });
      assert.equal(t.Resources.WorkerLogGroup.Type, 'AWS::Logs::LogGroup');
    });

    it("the worker container runs the image's worker entry point (worker/Dockerfile) with the environment it reads", () => {
      const td = t.Resources.WorkerTaskDefinition.Properties;
      assert.equal(td.ContainerDefinitions.length, 1);
      const c = td.ContainerDefinitions[0];
      assert.equal(c.Name, 'encoder', "ECS_CONTAINER_NAME's default");
      assert.equal(c.Essential, true);
      // ENTRYPOINT ["/usr/bin/tini", "--"] and CMD ["node", "/app/main.mjs"] of the runtime stage.
      const dockerfile = readFileSync(WORKER_DOCKERFILE, 'utf8');
      const last = (instr: string): string[] => {
        const all = [...dockerfile.matchAll(new RegExp(`^${instr}\\s+(\\[.*\\])\\s*$`, 'gm'))];
        assert.ok(all.length, `worker/Dockerfile has an exec-form ${instr}`);
        return JSON.parse(all[all.length - 1][1]) as string[];
      };
      assert.deepEqual(c.EntryPoint, last('ENTRYPOINT'), "EntryPoint is the image's");
      assert.deepEqual(c.Command, last('CMD'), 'Command runs the bundled worker');
      assert.ok(
        (c.Command as string[]).some((a) => /main\.mjs$/.test(a)),
        'the worker bundle (src/worker/main.ts)',
      );
      const vars = Object.fromEntries((c.Environment as { Name: string; Value: Json }[]).map((e) => [e.Name, e.Value]));
      assert.equal(vars.JOB_URI, undefined, 'JOB_URI comes per task (RunTask container override)');
      assert.deepEqual(vars.AWS_REGION, { Ref: 'AWS::Region' });
      for (const b of BUCKETS) assert.deepEqual(vars[b.replace('Bucket', '_BUCKET').toUpperCase()], { Ref: b }, b);
      const cfg = parseConfig(resolvedEnv(t, vars));
      assert.equal(cfg.SEGMENT_SECONDS, 4);
      assert.ok(
        cfg.FFMPEG_TIMEOUT_SECONDS > 840 && cfg.FFMPEG_TIMEOUT_SECONDS < ECS_ATTEMPT_MAX_SECONDS,
        `one ffmpeg run of the worker (${cfg.FFMPEG_TIMEOUT_SECONDS} s) fits its attempt`,
      );
      assert.equal(td.Family, 'media-transcoder-dev-worker');
    });
  });
});
