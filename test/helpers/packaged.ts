/**
 * `npm run package` once per test run: test/e2e/packaged-handlers.test.ts runs the zips it
 * makes, test/package.test.ts reads its CloudFormation template. Packaging takes tens of seconds
 * (the layer is staged only when missing), so both share one build.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where `serverless package` writes the template and the zips. */
export const PACKAGE_DIR = path.join(ROOT, '.serverless');

let once: Promise<{ code: number; output: string; ms: number }> | undefined;

/** Runs `npm run --silent package` the first time it is called; later calls get that outcome. */
export function packageOnce(timeoutMs = 230_000): Promise<{ code: number; output: string; ms: number }> {
  once ??= new Promise((resolve, reject) => {
    const started = Date.now();
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', '--silent', 'package'], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output, ms: Date.now() - started });
    });
  });
  return once;
}
