/**
 * `npm start -- <input> [--out DIR] [--preset NAME] [--segment-seconds N] [--json]`
 *
 * Runs one job end to end on the local stack: the file is uploaded to the local ingest
 * bucket, whose object-created event starts the state machine, exactly as in the cloud.
 */
import '../src/util/quietWarnings.js';
import '../src/local/polyfill.js';
import { inputProblem, outDirProblem, parseCommandLine, readTemplateFile } from './cliArgs.js';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { LocalStack } from '../src/local/stack.js';
import type { LogSink } from '../src/log.js';
import { downloadFile, listKeys } from '../src/aws/s3.js';
import { isVideoKey } from '../src/pipeline/ingest.js';
import { PRESETS } from '../src/media/plan/presets.js';
import { generateSample } from '../src/media/package/sample.js';
import { resolveBinaries } from '../src/media/ffmpeg/binaries.js';
import { ENGINE_REQUESTS } from '../src/pipeline/decider.js';
import { SEGMENT_SECONDS_RANGE } from '../src/pipeline/job.js';
import { costLines, progressLine, type ProgressLineState } from './cliProgress.js';
import type { ExecutionProgress } from '../src/local/stepFunctions.js';
import type { JobEventDetail } from '../src/pipeline/events.js';

const USAGE = `usage: npm start -- [input] [--out DIR] [--preset NAME | --template FILE] [--segment-seconds N] [--engine auto|lambda|ecs] [--json] [--verbose]
  input               a video file; without one, a 60 s 1280x720 sample is generated
  --out DIR           where outputs are written (default ./output/<jobId>/)
  --preset NAME       ${Object.keys(PRESETS).join(' | ')} (default h264-ladder)
  --template FILE     a template document (docs/TEMPLATES.md): validated, stored in the local stack under its name, used by the job
  --segment-seconds N target segment length (default 4)
  --engine E          auto (default: the encoder decider chooses) | lambda | ecs (one worker task)
  --json              stdout carries only the job's final event as JSON
  --data DIR          local stack data folder (default ./.local-data)
  --verbose           JSON logs to stderr instead of .local-data/logs/`;

async function main(): Promise<number> {
  const args = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      preset: { type: 'string' },
      template: { type: 'string' },
      'segment-seconds': { type: 'string' },
      engine: { type: 'string' },
      json: { type: 'boolean', default: false },
      data: { type: 'string', default: '.local-data' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const say = (s: string) => process.stderr.write(`${s}\n`);
  const dataDir = path.resolve(values.data!);
  if (values.preset && !PRESETS[values.preset]) {
    say(`unknown preset "${values.preset}"; known: ${Object.keys(PRESETS).join(', ')}`);
    return 2;
  }
  if (values.preset && values.template) {
    say('give --preset or --template, not both');
    return 2;
  }
  const fromFile = values.template !== undefined ? readTemplateFile(values.template) : undefined;
  if (fromFile && 'problem' in fromFile) {
    say(fromFile.problem);
    return 2;
  }
  if (values.engine !== undefined && !(ENGINE_REQUESTS as readonly string[]).includes(values.engine)) {
    say(`--engine must be one of ${ENGINE_REQUESTS.join(', ')}`);
    return 2;
  }
  const segSec = values['segment-seconds'] !== undefined ? Number(values['segment-seconds']) : undefined;
  if (segSec !== undefined && !(segSec >= SEGMENT_SECONDS_RANGE.min && segSec <= SEGMENT_SECONDS_RANGE.max)) {
    say(`--segment-seconds must be a number from ${SEGMENT_SECONDS_RANGE.min} to ${SEGMENT_SECONDS_RANGE.max}`);
    return 2;
  }

  // Before anything runs (no stack, no sample, no transcode): a bad --out is a bad argument.
  const outProblem = values.out !== undefined ? outDirProblem(values.out) : undefined;
  if (outProblem) {
    say(outProblem);
    return 2;
  }

  let input = positionals[0];
  if (!input) {
    input = path.join(dataDir, 'samples', 'sample-60s-1280x720.mp4');
    if (!existsSync(input)) {
      say(`no input given: generating a 60 s 1280x720 sample with ffmpeg (${resolveBinaries(process.env).ffmpeg}) ...`);
      await mkdir(path.dirname(input), { recursive: true });
      await generateSample({ output: input, durationSec: 60, width: 1280, height: 720, fps: 30, audio: true });
    }
  }
  const inProblem = inputProblem(input);
  if (inProblem) {
    say(inProblem);
    return 2;
  }

  const logFile = path.join(dataDir, 'logs', `${new Date().toISOString().slice(0, 10)}.jsonl`);
  let logSink: LogSink;
  if (!values.verbose) {
    await mkdir(path.dirname(logFile), { recursive: true });
    const stream = createWriteStream(logFile, { flags: 'a' });
    logSink = (line) => stream.write(`${line}\n`);
  } else logSink = (line) => process.stderr.write(`${line}\n`);

  const started = Date.now();
  const stack = await LocalStack.start({ dataDir, logSink });
  try {
    const base = path.basename(input).replace(/[^A-Za-z0-9._-]/g, '_');
    const key = `uploads/${Date.now()}-${base}${isVideoKey(base) ? '' : '.mp4'}`;
    if (fromFile) await stack.rt.templates.put(fromFile.template);
    const ingested = stack.waitForIngest(key);
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.config.INGEST_BUCKET,
        Key: key,
        Body: createReadStream(input),
        ContentLength: statSync(input).size,
        Metadata: {
          ...(values.preset ? { preset: values.preset } : {}),
          ...(fromFile ? { template: fromFile.template.name } : {}),
          ...(segSec ? { 'segment-seconds': String(segSec) } : {}),
          ...(values.engine ? { engine: values.engine } : {}),
        },
      }),
    );
    const ing = await ingested;
    if (!ing.started) {
      say(`not started: ${ing.reason}`);
      return 2;
    }
    const jobId = ing.jobId;
    say(
      `job ${jobId}: ${input} -> s3://${stack.config.INGEST_BUCKET}/${key} (logs: ${values.verbose ? 'stderr' : logFile})`,
    );
    const tty = process.stderr.isTTY;
    let last = '';
    const progress: ProgressLineState = {};
    stack.sfn.on('progress', (p: ExecutionProgress) => {
      if (p.jobId !== jobId) return;
      const line = `[${((Date.now() - started) / 1000).toFixed(1)}s] ${progressLine(p, progress)}`;
      if (line.replace(/^\[[^\]]*\] /, '') === last) return;
      last = line.replace(/^\[[^\]]*\] /, '');
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    });
    const final = await stack.waitForFinalEvent(jobId);
    if (tty) process.stderr.write('\n');
    const detail = final?.detail as JobEventDetail | undefined;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!final || !detail) {
      say(`job ${jobId}: the execution ended without a final event`);
      return 1;
    }
    if (detail.status === 'COMPLETE') {
      const out = path.resolve(values.out ?? path.join('output', jobId));
      await mkdir(out, { recursive: true });
      const objs = await listKeys(stack.s3, stack.config.OUTPUT_BUCKET, `${jobId}/`);
      // The package keeps its layout (hls/, dash/, cmaf/<rendition>/, mp4/): manifests name pieces by relative URL.
      for (const o of objs) {
        const file = path.join(out, o.key.slice(`${jobId}/`.length));
        await mkdir(path.dirname(file), { recursive: true });
        await downloadFile(stack.s3, { bucket: stack.config.OUTPUT_BUCKET, key: o.key }, file);
      }
      if (values.json) process.stdout.write(`${JSON.stringify(final)}\n`);
      else {
        process.stdout.write(`COMPLETE in ${seconds} s: ${objs.length} files in ${out}\n`);
        for (const o of detail.outputs ?? []) {
          const dims = o.width ? ` ${o.width}x${o.height}` : '';
          const dur = o.durationMs ? ` ${(o.durationMs / 1000).toFixed(3)} s` : '';
          const frames = o.frames ? ` ${o.frames} frames` : '';
          const files = o.files ? ` ${o.files} files` : '';
          process.stdout.write(
            `  ${o.name.padEnd(22)}${dims}${dur}${frames}${files} ${(o.sizeBytes / 1e6).toFixed(2)} MB\n`,
          );
        }
        if (detail.cost) process.stdout.write(`${costLines(detail.cost).join('\n')}\n`);
      }
      return 0;
    }
    if (values.json) process.stdout.write(`${JSON.stringify(final)}\n`);
    else process.stdout.write(`ERROR after ${seconds} s: ${detail.errorCode}: ${detail.errorMessage}\n`);
    return 1;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`media-transcoder: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(3);
  },
);
