/**
 * The ECS path on the local stack: the real ASL, the submit/status handlers, and the worker
 * entry point run as a child process by the local ECS runner (src/local/ecsRunner.ts). A job
 * forced to ECS meets the same output contract as the Lambda path and goes through the polling
 * loop; the decider sends long sources to ECS; a killed or terminated worker is re-run; one
 * that always dies ends in one ERROR event after the attempt limit, with nothing published.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStack, LOCAL_CREDENTIALS } from '../../src/local/stack.js';
import type { KillHook, LocalTaskEvent } from '../../src/local/ecsRunner.js';
import type { ExecutionProgress } from '../../src/local/stepFunctions.js';
import { generateSample, type SampleSpec } from '../../src/media/package/sample.js';
import { capabilitiesOf } from '../../src/media/plan/encoders.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { putJson } from '../../src/aws/s3.js';
import { descendants } from '../../src/worker/children.js';
import { EXIT } from '../../src/ecs/exitCodes.js';
import { ECS_MAX_ATTEMPTS } from '../../src/ecs/state.js';
import { checkContract, checkStreaming } from '../helpers/contract.js';
import { runJob, objectBytes, keysUnder, downloadOutputs } from '../helpers/stack.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FINAL = ['COMPLETE', 'ERROR'];

/** Members of a process group, from /proc (pgrp is the 5th field of /proc/<pid>/stat). */
function processGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

describe('ECS worker on the local stack', function () {
  this.timeout(300_000);
  let dir: string;
  let stack: LocalStack;
  let kill: KillHook | undefined;
  let n = 0;
  /** States each job entered, consecutive repeats collapsed. */
  const steps = new Map<string, string[]>();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-ecs-'));
    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    const logSink = (l: string) => log.write(`${l}\n`);
    stack = await LocalStack.start({
      logSink,
      dataDir: path.join(dir, 'stack'),
      // The decider's duration threshold lowered so a few seconds of video is "long", and its
      // encode-cost threshold between what the 3 s 320x240 sample (one segment: the planner folds
      // a 1 s tail into it) costs in H.264 (0.24 s estimated, src/media/plan/cost.ts) and in AV1
      // (0.39 s: SVT-AV1 weighs 1.6x).
      env: { MAX_LAMBDA_DURATION_SECONDS: '6', MAX_LAMBDA_SEGMENT_ENCODE_SECONDS: '0.3' },
      ecs: { pollMs: 200, killAttempt: (a) => kill?.(a) },
    });
    stack.sfn.on('progress', (p: ExecutionProgress) => {
      const a = steps.get(p.jobId) ?? [];
      if (a[a.length - 1] !== p.step) a.push(p.step);
      steps.set(p.jobId, a);
    });
  });
  afterEach(() => {
    kill = undefined;
  });
  after(async () => {
    await stack?.stop();
    if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  const tasksOf = (jobId: string) => stack.ecs.history.filter((e) => e.jobId === jobId);
  const count = (jobId: string, state: string) => (steps.get(jobId) ?? []).filter((s) => s === state).length;

  async function sample(spec: Omit<SampleSpec, 'output'>) {
    const file = path.join(dir, `in-${++n}.mp4`);
    await generateSample({ ...spec, output: file });
    return file;
  }

  /** Runs a job and, when it completed, downloads its outputs and checks the contract. */
  async function run(file: string, meta: Record<string, string>, expectAudio = true) {
    const before = await readFile(file);
    const key = `uploads/ecs-${n}.mp4`;
    const r = await runJob(stack, file, key, { preset: 'h264-single-480p', 'segment-seconds': '2', ...meta });
    const finals = r.events.filter((e) => FINAL.includes((e.detail as { status: string }).status));
    assert.equal(finals.length, 1, 'exactly one final event');
    assert.deepEqual(await objectBytes(stack, stack.config.INGEST_BUCKET, key), before, 'source untouched');
    assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
    assert.deepEqual(stack.ecs.running(), [], 'no worker left running');
    assert.deepEqual(stack.sfn.running(), [], 'no execution left running');
    if (r.detail.status !== 'COMPLETE') return { ...r, figures: undefined };
    const outDir = path.join(dir, `out-${n}`);
    await mkdir(outDir, { recursive: true });
    await downloadOutputs(stack, r.jobId, outDir);
    for (const o of r.detail.outputs ?? [])
      if (!o.name.endsWith('/'))
        assert.equal((await stat(path.join(outDir, o.name))).size, o.sizeBytes, `${o.name}: size in the event`);
    const videos = (r.detail.outputs ?? []).filter((o) => o.type === 'video');
    assert.equal(videos.length, 1);
    // The same package as the Lambda path: manifests, CMAF folders, the download, thumbnails.
    const rn = videos[0].rendition!;
    assert.deepEqual(
      (r.detail.outputs ?? [])
        .map((o) => o.name)
        .filter((x) => !x.startsWith('mp4/'))
        .sort(),
      [
        `cmaf/${rn}/`,
        ...(expectAudio ? ['cmaf/audio/'] : []),
        'dash/manifest.mpd',
        `hls/${rn}.m3u8`,
        ...(expectAudio ? ['hls/audio.m3u8'] : []),
        'hls/master.m3u8',
        'poster.jpg',
        'sprite.jpg',
        'thumbnails.vtt',
      ].sort(),
    );
    const codec = meta.preset === 'av1-ladder' ? { codec: 'av1' } : {};
    await checkStreaming(file, outDir, [videos[0].rendition!], expectAudio, codec);
    return { ...r, figures: await checkContract(file, outDir, videos, expectAudio, codec) };
  }

  it('engine ecs: one worker task encodes the job, through the polling loop; the outputs meet the contract', async () => {
    const file = await sample({ durationSec: 5, width: 320, height: 240, fps: 25, audio: true });
    const r = await run(file, { engine: 'ecs' });
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    assert.ok(count(r.jobId, 'EcsWait') > 1, `waited more than once: ${steps.get(r.jobId)?.join(' ')}`);
    assert.ok(count(r.jobId, 'EcsStatus') > 1, 'checked the status more than once');
    assert.equal(count(r.jobId, 'Split'), 0, 'no Lambda fan-out');
    assert.equal(count(r.jobId, 'TranscodeSegments'), 0, 'no Lambda fan-out');
    assert.deepEqual(
      tasksOf(r.jobId).map((e) => [e.type, e.attempt, e.exitCode]),
      [
        ['started', 1, undefined],
        ['stopped', 1, 0],
      ],
    );
    console.log('      ecs:', JSON.stringify(r.figures), `checks: ${count(r.jobId, 'EcsStatus')}`);
  });

  it("engine auto: the decider sends a source above MAX_LAMBDA_DURATION_SECONDS to ECS, a shorter one to Lambda, and the shorter one in AV1 to ECS (the encoder's cost)", async () => {
    const short = await run(await sample({ durationSec: 3, width: 320, height: 240, fps: 25, audio: true }), {});
    assert.equal(short.detail.status, 'COMPLETE');
    // The Lambda fan-out (an MP4 is read by range: no Split).
    assert.ok(
      count(short.jobId, 'TranscodeSegments') === 1 && count(short.jobId, 'EcsSubmit') === 0,
      steps.get(short.jobId)?.join(' '),
    );
    const long = await run(await sample({ durationSec: 7, width: 320, height: 240, fps: 25, audio: false }), {}, false);
    assert.equal(long.detail.status, 'COMPLETE');
    assert.ok(
      count(long.jobId, 'EcsSubmit') === 1 && count(long.jobId, 'TranscodeSegments') === 0,
      steps.get(long.jobId)?.join(' '),
    );
    if (!(await capabilitiesOf(resolveBinaries(process.env).ffmpeg)).encoders.has('libsvtav1')) return;
    const av1 = await run(await sample({ durationSec: 3, width: 320, height: 240, fps: 25, audio: true }), {
      preset: 'av1-ladder',
    });
    assert.equal(av1.detail.status, 'COMPLETE', `${av1.detail.errorCode}: ${av1.detail.errorMessage}`);
    assert.ok(
      count(av1.jobId, 'EcsSubmit') === 1 && count(av1.jobId, 'TranscodeSegments') === 0,
      steps.get(av1.jobId)?.join(' '),
    );
  });

  it('a worker killed mid-job (SIGKILL) is re-run and the job completes', async () => {
    kill = (attempt) => (attempt === 1 ? { onLog: 'encoding' } : undefined);
    const r = await run(await sample({ durationSec: 5, width: 320, height: 240, fps: 25, audio: true }), {
      engine: 'ecs',
    });
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    const stops = tasksOf(r.jobId).filter((e) => e.type === 'stopped');
    assert.deepEqual(
      stops.map((e) => [e.attempt, e.exitCode]),
      [
        [1, EXIT.KILLED],
        [2, EXIT.OK],
      ],
    );
    assert.equal(count(r.jobId, 'EcsSubmit'), 2);
  });

  it('SIGTERM (StopTask): the worker kills its ffmpeg children, exits 143, and is re-run', async () => {
    const file = await sample({ durationSec: 6, width: 640, height: 360, fps: 25, audio: true });
    let group: number[] | undefined;
    let sawFfmpeg = false;
    const onTask = (ev: LocalTaskEvent) => {
      if (ev.attempt !== 1) return;
      if (ev.type === 'started') {
        const pid = ev.pid!;
        const poll = setInterval(() => {
          if (!descendants(pid).some((p) => comm(p).startsWith('ffmpeg'))) return;
          clearInterval(poll);
          sawFfmpeg = true;
          void stack.ecs.stopTask(ev.taskArn, 'test: SIGTERM while ffmpeg runs');
        }, 10);
        stopPoll = () => clearInterval(poll);
      }
      if (ev.type === 'stopped') {
        stopPoll();
        group = processGroup(tasksOf(ev.jobId).find((e) => e.type === 'started' && e.attempt === 1)!.pid!);
      }
    };
    let stopPoll = () => {};
    stack.ecs.on('task', onTask);
    try {
      const r = await run(file, { engine: 'ecs' });
      assert.ok(sawFfmpeg, 'ffmpeg was running when SIGTERM arrived');
      assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
      const stops = tasksOf(r.jobId).filter((e) => e.type === 'stopped');
      assert.deepEqual(
        stops.map((e) => [e.attempt, e.exitCode]),
        [
          [1, EXIT.TERMINATED],
          [2, EXIT.OK],
        ],
      );
      assert.deepEqual(group, [], 'no process of the terminated worker (no ffmpeg) outlived it');
    } finally {
      stack.ecs.off('task', onTask);
      stopPoll();
    }
  });

  it('a worker that always dies: one ERROR event after the attempt limit, nothing published', async () => {
    kill = () => ({ onLog: 'encoding' });
    const r = await run(await sample({ durationSec: 4, width: 320, height: 240, fps: 25, audio: true }), {
      engine: 'ecs',
    });
    assert.equal(r.detail.status, 'ERROR');
    assert.equal(r.detail.errorCode, 'ENCODER_FAILED');
    assert.match(r.detail.errorMessage ?? '', new RegExp(`attempt ${ECS_MAX_ATTEMPTS}: exit code 137`));
    assert.equal(tasksOf(r.jobId).filter((e) => e.type === 'started').length, ECS_MAX_ATTEMPTS);
    assert.equal(r.events.filter((e) => (e.detail as { status: string }).status === 'COMPLETE').length, 0);
    assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${r.jobId}/`), [], 'no output object');
  });

  it('worker exit codes: 4 without JOB_URI, 2 for an invalid job document, 1 when it cannot be read', async () => {
    const worker = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/worker/main.ts')], {
          cwd: ROOT,
          env: {
            ...process.env,
            INGEST_BUCKET: stack.config.INGEST_BUCKET,
            WORK_BUCKET: stack.config.WORK_BUCKET,
            OUTPUT_BUCKET: stack.config.OUTPUT_BUCKET,
            S3_ENDPOINT: stack.endpoint,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
            ...env,
          },
        });
        let stdout = '';
        // Powertools writes ERROR lines to stderr (both reach CloudWatch); read both.
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stdout += d));
        child.on('close', (code) => resolve({ code, stdout }));
      });
    const noUri = await worker({});
    assert.equal(noUri.code, EXIT.CONFIG_ERROR, noUri.stdout);
    await putJson(
      stack.s3,
      { bucket: stack.config.WORK_BUCKET, key: 'tests/bad-job.json' },
      { version: 1, jobId: 'not a job id' },
    );
    const bad = await worker({ JOB_URI: `s3://${stack.config.WORK_BUCKET}/tests/bad-job.json` });
    assert.equal(bad.code, EXIT.INPUT_ERROR, bad.stdout);
    assert.match(bad.stdout, /job document/);
    const missing = await worker({ JOB_URI: `s3://${stack.config.WORK_BUCKET}/tests/missing.json` });
    assert.equal(missing.code, EXIT.FAILED, missing.stdout);
  });

  it('npm start -- <input> --engine ecs runs the job on the worker from the CLI', async () => {
    const input = path.join(dir, 'cli.mp4');
    await generateSample({ output: input, durationSec: 4, width: 320, height: 240, fps: 25, audio: true });
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/cli.ts'), ...args], {
          cwd: ROOT,
          env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const out = path.join(dir, 'cli-out');
    const r = await cli([
      input,
      '--engine',
      'ecs',
      '--json',
      '--preset',
      'h264-single-480p',
      '--segment-seconds',
      '2',
      '--out',
      out,
      '--data',
      path.join(dir, 'cli-data'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const ev = JSON.parse(r.stdout.trim());
    assert.equal(ev.detail.status, 'COMPLETE');
    assert.match(r.stderr, /EcsSubmit/);
    assert.match(r.stderr, /EcsWorker/);
    assert.doesNotMatch(r.stderr, /\bSplit\b/);
    assert.deepEqual((await readdir(out)).sort(), [
      'cmaf',
      'dash',
      'hls',
      'mp4',
      'poster.jpg',
      'sprite.jpg',
      'thumbnails.vtt',
    ]);
    const bad = await cli([input, '--engine', 'gpu']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--engine must be one of auto, lambda, ecs/);
  });
});
