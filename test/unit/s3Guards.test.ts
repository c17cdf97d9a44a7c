/** The guards in front of s3rver's filesystem store (src/local/s3Guards.ts), against the real store. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { guardStoreWrites, isStorableKey, type S3rverStore } from '../../src/local/s3Guards.js';

const require = createRequire(import.meta.url);
const FilesystemStore = require('s3rver/lib/stores/filesystem') as new (dir: string) => S3rverStore;

describe('local S3 guards (s3rver filesystem store)', () => {
  let dir: string;
  let store: S3rverStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-s3g-'));
    store = new FilesystemStore(dir);
    await mkdir(path.join(dir, 'b'), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keys s3rver cannot store are recognised from its own file layout', () => {
    assert.ok(isStorableKey(store, 'b', 'uploads/video.mp4'));
    assert.ok(
      isStorableKey(store, 'b', `k/${'x'.repeat(233)}`),
      'the longest last segment: 233 + "._S3rver_metadata.json"',
    );
    assert.ok(!isStorableKey(store, 'b', `k/${'x'.repeat(234)}`));
    assert.ok(!isStorableKey(store, 'b', `${'d'.repeat(256)}/x.mp4`), 'a folder segment over 255 bytes');
    assert.ok(!isStorableKey(store, 'b', `k/${'é'.repeat(120)}`), 'bytes, not characters');
    assert.ok(!isStorableKey(store, 'b', 'k/x._S3rver_object/y'), "a key naming s3rver's own files");
  });

  it('a failing object write rejects the request instead of emitting an unhandled error (the process lives)', async () => {
    guardStoreWrites(store);
    // The object's file path is a directory: the write stream fails with EISDIR.
    await mkdir(store.getResourcePath('b', 'k/x', 'object'), { recursive: true });
    await assert.rejects(
      store.putObject({ bucket: 'b', key: 'k/x', metadata: {}, content: Readable.from([Buffer.from('body')]) }),
      { code: 'EISDIR' },
    );
    await assert.rejects(store.putObject({ bucket: 'b', key: 'k/x', metadata: {}, content: Buffer.from('body') }), {
      code: 'EISDIR',
    });
  });

  it('a guarded write stores the same files as s3rver (size, MD5, body)', async () => {
    guardStoreWrites(store);
    const r = await store.putObject({
      bucket: 'b',
      key: 'k/y.txt',
      metadata: { 'content-type': 'text/plain' },
      content: Readable.from([Buffer.from('hello '), Buffer.from('world')]),
    });
    assert.deepEqual(r, { size: 11, md5: '5eb63bbbe01eeed093cb22bb8f5acdc3' });
    assert.equal(await readFile(store.getResourcePath('b', 'k/y.txt', 'object'), 'utf8'), 'hello world');
    assert.equal(await readFile(store.getResourcePath('b', 'k/y.txt', 'object.md5'), 'utf8'), r.md5);
    const part = await store.putPart('b', 'up-1', 1, Readable.from([Buffer.from('part')]));
    assert.equal(part.size, 4);
  });
});
