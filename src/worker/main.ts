/**
 * The ECS worker: a one-shot container entry point that runs one job's whole encode on this
 * machine (src/worker/run.ts) and exits. Its exit code is the result (src/ecs/exitCodes.ts):
 * 0 ok, 1 failure worth a re-run, 2 bad input, 3 encoder failure, 4 bad configuration,
 * 124 past its deadline, 143 terminated (SIGTERM: ffmpeg children are killed first).
 *
 * Environment: JOB_URI (s3:// URI of the job document the submit handler wrote), the same
 * variables as the Lambda handlers (INGEST_BUCKET, WORK_BUCKET, OUTPUT_BUCKET, S3_ENDPOINT
 * locally, ...), optional WORKER_CONCURRENCY (segments at once; default: the core count).
 *
 * Run: `node dist/worker/main.mjs` in the image, `node --import tsx src/worker/main.ts` here.
 */
import '../util/quietWarnings.js';
import { parseConfig, type Config } from '../config.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { createLogFactory } from '../log.js';
import { getJson, parseS3Uri, putJson } from '../aws/s3.js';
import { PipelineError } from '../errors.js';
import { parseInput } from '../pipeline/job.js';
import { EXIT, exitCodeForError } from '../ecs/exitCodes.js';
import { JobDocumentSchema, type JobDocument, type ResultDocument } from '../ecs/state.js';
import { runJobOnOneMachine } from './run.js';
import { descendants, signalDescendants } from './children.js';
import { Meter, withMeter } from '../cost/meter.js';
import { workerMeter, workerSize } from '../cost/worker.js';
import { writeMeter } from '../cost/store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describe(err: unknown): { name: string; code: string; message: string } {
  const e = err as { name?: string; message?: string };
  const code = err instanceof PipelineError ? err.code : 'INTERNAL';
  const message = String(e?.message ?? err).replace(/^[A-Z][A-Z_]+: /, '');
  return { name: e?.name ?? 'Error', code, message };
}

/**
 * Runs the worker once. Its state (the runtime, the job document, the end in progress) lives
 * in this call, not in module slots.
 */
function runWorker(env: NodeJS.ProcessEnv): void {
  // Before the config is read, start-up failures still log as JSON lines.
  let log = createLogFactory().logger({ step: 'worker' });
  const started = Date.now();
  let rt: Runtime | undefined;
  let doc: JobDocument | undefined;
  let finishing: Promise<never> | undefined;
  let timings: Record<string, number> = {};
  /** What the task is billed for (src/cost): its size, its run time, its S3 requests. */
  let meter: Meter | undefined;

  /**
   * Ends the process once: kills any ffmpeg still running, writes the result document (best
   * effort, a few seconds at most), exits with `code`. The first caller wins. A stopped worker
   * (SIGTERM/SIGINT: StopTask by a cancel or by the polling loop giving up, or a Spot
   * interruption) writes no result: its job may be cleaned up already (cancel stops the task,
   * then removes the job's prefixes), and a result written after that would be left behind;
   * the task's stop reason and exit code say what happened.
   */
  function finish(
    code: number,
    error?: { name: string; code: string; message: string },
    report = true,
  ): Promise<never> {
    finishing ??= (async () => {
      if (signalDescendants('SIGTERM') > 0) {
        await sleep(1500);
        signalDescendants('SIGKILL');
      }
      if (rt && doc && report) {
        const result: ResultDocument = {
          version: 1,
          jobId: doc.jobId,
          attempt: doc.attempt,
          ok: code === EXIT.OK,
          exitCode: code,
          ...(error ? { error } : {}),
          timings: { ...timings, totalMs: Date.now() - started },
          finishedAt: new Date().toISOString(),
        };
        await Promise.race([putJson(rt.s3, parseS3Uri(doc.resultUri), result).catch(() => undefined), sleep(5000)]);
        // The process's whole life (the task runs a little longer: image pull, start; docs/COST.md).
        if (meter)
          await Promise.race([
            writeMeter(rt, doc.jobId, `attempt-${doc.attempt}`, workerMeter(meter, process.uptime(), rt.prices)).catch(
              () => undefined,
            ),
            sleep(5000),
          ]);
      }
      if (code === EXIT.OK) log.info('worker done', { exitCode: code, ms: Date.now() - started, timings });
      else log.error('worker failed', { exitCode: code, error, ms: Date.now() - started });
      // A step still running may have started another ffmpeg meanwhile: none outlives the worker.
      // Wait (briefly) until they are reaped: a stopped worker writes no result, so nothing
      // else gives the event loop the moment it needs to collect the killed children.
      signalDescendants('SIGKILL');
      for (let i = 0; i < 40 && descendants().length > 0; i++) await sleep(50);
      process.exit(code);
    })();
    return finishing;
  }

  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    log.warn('SIGTERM: stopping ffmpeg and exiting');
    void finish(
      EXIT.TERMINATED,
      {
        name: 'TransientError',
        code: 'ENCODER_FAILED',
        message: 'the worker was terminated (SIGTERM) before it finished',
      },
      false,
    );
  });
  process.on('SIGINT', () => {
    stopping = true;
    void finish(
      EXIT.TERMINATED,
      { name: 'TransientError', code: 'ENCODER_FAILED', message: 'the worker was interrupted (SIGINT)' },
      false,
    );
  });

  async function main(): Promise<never> {
    let config: Config;
    try {
      config = parseConfig(env);
    } catch (err) {
      return finish(EXIT.CONFIG_ERROR, describe(err));
    }
    const jobUri = config.JOB_URI;
    if (!jobUri)
      return finish(EXIT.CONFIG_ERROR, { name: 'ConfigError', code: 'CONFIG', message: 'JOB_URI is not set' });
    rt = createRuntime(config, {
      events: { put: async () => Promise.reject(new Error('the worker emits no events')) },
    });
    // A stopped worker sends no more S3 requests: the steps still running while it stops its
    // ffmpeg would otherwise write after a cancel's cleanup (a job document, a result, pieces).
    rt.s3.middlewareStack.add(
      (next) => async (args) => {
        if (stopping) throw new Error('the worker is stopping: no more S3 requests');
        return next(args);
      },
      { step: 'initialize', name: 'workerStopGate' },
    );
    log = rt.log.logger({ step: 'worker' });
    try {
      doc = parseInput(JobDocumentSchema, await getJson(rt.s3, parseS3Uri(jobUri)), 'job document');
    } catch (err) {
      return finish(exitCodeForError(err), describe(err));
    }
    const deadline = setTimeout(
      () =>
        void finish(EXIT.DEADLINE, {
          name: 'TransientError',
          code: 'TIMEOUT',
          message: `the worker ran longer than ${doc!.maxSeconds} s`,
        }),
      doc.maxSeconds * 1000,
    );
    deadline.unref();
    const jobLog = log.child({ jobId: doc.jobId, attempt: doc.attempt });
    jobLog.info('worker started', { jobUri, pid: process.pid });
    const size = await workerSize(config).catch((err: unknown) => {
      jobLog.warn('task size unknown: the job cost leaves the worker out', { error: err });
      return undefined;
    });
    if (size) meter = new Meter('ecsWorker', 'ecs', size.memoryMb, size.vcpu);
    const run = () => runJobOnOneMachine(rt!, doc!.jobId, jobLog, { concurrency: config.WORKER_CONCURRENCY });
    try {
      timings = await (meter ? withMeter(meter, run) : run());
    } catch (err) {
      return finish(exitCodeForError(err), describe(err));
    }
    return finish(EXIT.OK);
  }

  void main().catch((err: unknown) => finish(EXIT.FAILED, describe(err)));
}

runWorker(process.env);
