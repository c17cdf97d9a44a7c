/**
 * `npm run package [-- <serverless package options>]`
 *
 * 1. stages the ffmpeg layer in layers/ffmpeg/ from Debian's ffmpeg, unless that is staged already
 *    (scripts/build-layer.ts --debian; the npm-shipped 2018 build is a local fallback, never deployed),
 * 2. bundles the handlers into dist/lambda/ (scripts/build-functions.ts) and writes the state
 *    machine's definition to dist/statemachines/ with every Task's Retry inserted from
 *    src/pipeline/retryPolicy.ts (the source ASL holds none; serverless.yml reads this copy),
 * 3. runs `serverless package` offline: dummy AWS credentials, no profile, no instance
 *    metadata lookups, so nothing reaches AWS. The CloudFormation template and the zips land
 *    in .serverless/ (or --package <dir>), ready for `serverless deploy --package <dir>`.
 *
 * Extra arguments go to `serverless package`, e.g. `npm run package -- --stage prod
 * --region eu-west-1 --param="apiAuthMode=jwt"`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLayer, DEFAULT_LAYER_DIR } from './build-layer.js';
import { buildFunctions } from './build-functions.js';
import { PACKAGED_ASL, packagedDefinition } from '../src/pipeline/aslDefinition.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SLS_BIN = path.join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');

/** The environment `serverless package` runs in: no real credentials, no network calls. */
export function offlineEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of [
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_SECURITY_TOKEN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
  ]) {
    delete env[k];
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPACKAGE00',
    AWS_SECRET_ACCESS_KEY: 'offline-package-no-real-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_LOAD_CONFIG: '0',
    // scripts/serverless-local-plugin.cjs: skip the layer's DescribeStacks lookup.
    MT_OFFLINE_PACKAGE: '1',
    // osls has no telemetry; these also keep serverless@3 quiet and offline.
    SLS_TELEMETRY_DISABLED: '1',
    SLS_TRACKING_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    SLS_DEPRECATION_DISABLE: '*',
    CI: base.CI ?? '1',
  };
}

/** Writes the definition serverless.yml deploys: the source ASL with every Task's Retry, placeholders kept. */
export async function writePackagedDefinition(root = ROOT): Promise<string> {
  const file = path.join(root, PACKAGED_ASL);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(packagedDefinition(), null, 2)}\n`);
  return file;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (!existsSync(SLS_BIN)) throw new Error('the serverless CLI (osls) is not installed: run npm install');

  const t0 = Date.now();
  const layer = await buildLayer({ out: DEFAULT_LAYER_DIR, ifMissing: true, source: { kind: 'debian' } });
  console.log(`layer: ${layer.reused ? 'kept' : 'staged'} layers/ffmpeg (${layer.info.source})`);
  const built = await buildFunctions({ out: path.join(ROOT, 'dist', 'lambda') });
  console.log(`functions: bundled ${built.length} into dist/lambda (${Date.now() - t0} ms)`);
  console.log(`state machine: ${path.relative(ROOT, await writePackagedDefinition())} (Retry policies inserted)`);

  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [SLS_BIN, 'package', ...args], {
      cwd: ROOT,
      env: offlineEnv(),
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
  if (code !== 0) process.exit(code);
  console.log(`packaged in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
