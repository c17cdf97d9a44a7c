/**
 * Hostile input and faults on the local stack. The corpus is written by the tests: playlists
 * and concat lists that name local files or loopback URLs, random bytes, truncated files,
 * garbage after a valid file, a header claiming a huge picture, very many streams; plus
 * odd object keys, a worker killed mid-segment, S3 throttling and a duplicate delivery.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, truncate, readdir } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalStack } from '../../src/local/stack.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { generateSample } from '../../src/media/package/sample.js';
import { definition as ingest } from '../../functions/ingest.js';
import { frameTimes } from '../helpers/media.js';
import { keysUnder, objectBytes, runJob } from '../helpers/stack.js';
import { bframeMp4, moovSizePastEnd, setCtts, setEditMediaTime, zeroFirstGop } from '../helpers/tamper.js';

const MARKER = `SECRET-${randomBytes(8).toString('hex')}`;

describe('hostile input and faults (local stack)', function () {
  this.timeout(300_000);
  let dir: string;
  let stack: LocalStack;
  let logFile: string;
  let n = 0;
  let hits = 0;
  let server: http.Server;
  let port = 0;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-hostile-'));
    await writeFile(file('secret.txt'), `${MARKER}\n`.repeat(100));
    logFile = file('log.jsonl');
    const log = createWriteStream(logFile);
    const logSink = (l: string) => log.write(`${l}\n`);
    // A loopback server standing for an internal address: no request may ever reach it.
    server = http.createServer((_req, res) => {
      hits++;
      res.end(MARKER);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
    stack = await LocalStack.start({ dataDir: file('stack'), logSink });
  });
  after(async () => {
    await stack?.stop();
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a file through the pipeline and asserts the "nothing gets in, nothing is lost" rules. */
  async function expectRefused(make: (f: string) => Promise<void>, codes: string[], key?: string) {
    const f = file(`hostile-${++n}.mp4`);
    await make(f);
    const original = await readFile(f);
    const k = key ?? `uploads/hostile-${n}.mp4`;
    const { jobId, detail, events } = await runJob(stack, f, k);
    assert.equal(detail.status, 'ERROR', `expected refusal, got ${detail.status}`);
    assert.ok(codes.includes(detail.errorCode!), `code ${detail.errorCode}: ${detail.errorMessage}`);
    assert.equal(
      events.filter((e) => ['COMPLETE', 'ERROR'].includes((e.detail as { status: string }).status)).length,
      1,
    );
    assert.deepEqual(await objectBytes(stack, stack.config.INGEST_BUCKET, k), original, 'source untouched');
    assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${jobId}/`), [], 'no output object');
    assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${jobId}/`), [], 'work prefix cleaned');
    assert.deepEqual(stack.sfn.running(), []);
    return detail;
  }

  const playlist = (uri: string) =>
    `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n${uri}\n#EXT-X-ENDLIST\n`;

  it('an HLS playlist named .mp4 pointing at a local file is refused before it is followed', async () => {
    await expectRefused((f) => writeFile(f, playlist(`file://${file('secret.txt')}`)), ['INPUT_UNSUPPORTED']);
  });

  it('an HLS playlist pointing at an internal address never makes a request', async () => {
    await expectRefused(
      (f) => writeFile(f, playlist(`http://127.0.0.1:${port}/internal/segment.ts`)),
      ['INPUT_UNSUPPORTED', 'INPUT_UNREADABLE'],
    );
    assert.equal(hits, 0, 'no request reached the internal server');
  });

  it('a concat list naming a local file is refused', async () => {
    await expectRefused(
      (f) =>
        writeFile(f, `ffconcat version 1.0\nfile '${file('secret.txt')}'\nfile 'http://127.0.0.1:${port}/x.mp4'\n`),
      ['INPUT_UNSUPPORTED', 'INPUT_UNREADABLE'],
    );
    assert.equal(hits, 0);
  });

  it('random bytes, a text file and a truncated file are refused with their own codes', async () => {
    await expectRefused((f) => writeFile(f, randomBytes(256 * 1024)), ['INPUT_UNREADABLE']);
    await expectRefused((f) => writeFile(f, 'hello, this is text\n'.repeat(100)), ['INPUT_UNREADABLE']);
    await expectRefused(
      async (f) => {
        await generateSample({ output: f, durationSec: 3, width: 320, height: 240, fps: 25, audio: true });
        await truncate(f, Math.floor((await readFile(f)).length / 2));
      },
      ['INPUT_TRUNCATED', 'INPUT_UNREADABLE'],
    );
  });

  describe('tampered MP4 indexes: the code names who is at fault, the message the box', () => {
    let plain: Buffer;
    let fast: Buffer;
    before(async () => {
      await bframeMp4(file('plain.mp4'), { faststart: false });
      await bframeMp4(file('fast.mp4'), { faststart: true });
      plain = await readFile(file('plain.mp4'));
      fast = await readFile(file('fast.mp4'));
    });

    it('composition offsets (ctts) ffmpeg rejects and drops: INPUT_INCONSISTENT, not a silently reordered output', async () => {
      const d = await expectRefused((f) => writeFile(f, setCtts(fast, 0x7ff00000)), ['INPUT_INCONSISTENT']);
      assert.match(d.errorMessage!, /ctts/);
    });

    it('one huge composition offset (ctts) ffmpeg keeps: INPUT_INCONSISTENT naming the frame, not ENCODER_*', async () => {
      const d = await expectRefused((f) => writeFile(f, setCtts(fast, 0x01000000, 3)), ['INPUT_INCONSISTENT']);
      assert.match(d.errorMessage!, /ctts.*frame \d+/);
    });

    it('an edit list (elst) that starts past the media: INPUT_INCONSISTENT, not INVALID_CLIP (no clip was asked for)', async () => {
      const d = await expectRefused((f) => writeFile(f, setEditMediaTime(fast, 0x7ff00000)), ['INPUT_INCONSISTENT']);
      assert.match(d.errorMessage!, /elst/);
    });

    it('a first GOP whose frame data is zeroed: INPUT_CORRUPT (every byte is there), not INPUT_TRUNCATED', async () => {
      const d = await expectRefused(
        async (f) => writeFile(f, await zeroFirstGop(file('fast.mp4'), fast)),
        ['INPUT_CORRUPT'],
      );
      assert.match(d.errorMessage!, /video stream 0/);
    });

    it('a moov whose size runs past the end: the same code in its 32-bit and 64-bit forms (INPUT_INCONSISTENT), and a moov cut inside a box is INPUT_TRUNCATED', async () => {
      const d32 = await expectRefused((f) => writeFile(f, moovSizePastEnd(plain, 4096, 32)), ['INPUT_INCONSISTENT']);
      const d64 = await expectRefused((f) => writeFile(f, moovSizePastEnd(plain, 4096, 64)), ['INPUT_INCONSISTENT']);
      assert.match(d32.errorMessage!, /moov box .*32-bit size/);
      assert.match(d64.errorMessage!, /moov box .*64-bit size/);
      // The same moov really cut short (the last 200 bytes of the file missing): bytes are missing.
      const cut = await expectRefused((f) => writeFile(f, plain.subarray(0, plain.length - 200)), ['INPUT_TRUNCATED']);
      assert.match(cut.errorMessage!, /moov/);
    });
  });

  it('a header claiming a 16000x16000 picture is refused before any decode', async () => {
    await expectRefused(
      async (f) => {
        const small = `${f}.avi`;
        await runProcess(
          resolveBinaries(process.env).ffmpeg,
          [
            '-v',
            'error',
            '-y',
            '-f',
            'lavfi',
            '-i',
            'testsrc2=size=64x48:rate=5',
            '-t',
            '1',
            '-c:v',
            'mjpeg',
            '-f',
            'avi',
            small,
          ],
          { timeoutMs: 60_000 },
        );
        const b = await readFile(small);
        // AVI main header and stream format, then every JPEG start-of-frame marker.
        const avih = b.indexOf('avih') + 8;
        b.writeUInt32LE(16000, avih + 32);
        b.writeUInt32LE(16000, avih + 36);
        const strf = b.indexOf('strf') + 8;
        b.writeInt32LE(16000, strf + 4);
        b.writeInt32LE(16000, strf + 8);
        for (let i = b.indexOf(Buffer.from([0xff, 0xc0])); i >= 0; i = b.indexOf(Buffer.from([0xff, 0xc0]), i + 2)) {
          b.writeUInt16BE(16000, i + 5);
          b.writeUInt16BE(16000, i + 7);
        }
        await writeFile(f, b);
      },
      ['INPUT_LIMIT_EXCEEDED'],
    );
  });

  it('a file with very many streams is refused', async () => {
    const d = await expectRefused(
      async (f) => {
        const args = [
          '-v',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=160x120:rate=10',
          '-f',
          'lavfi',
          '-i',
          'sine',
          '-t',
          '1',
          '-map',
          '0:v',
        ];
        for (let i = 0; i < 40; i++) args.push('-map', '1:a');
        args.push('-c:v', 'libx264', '-c:a', 'aac', '-f', 'mp4', f);
        await runProcess(resolveBinaries(process.env).ffmpeg, args, { timeoutMs: 60_000 });
      },
      ['INPUT_LIMIT_EXCEEDED'],
    );
    assert.match(d.errorMessage!, /41 streams/);
  });

  it('no content of the files a playlist names appears in any output, event or log', async () => {
    const events = await readFile(path.join(file('stack'), 'events.jsonl'), 'utf8');
    assert.ok(!events.includes(MARKER), 'events');
    assert.ok(!(await readFile(logFile, 'utf8')).includes(MARKER), 'logs');
    for (const k of await keysUnder(stack, stack.config.OUTPUT_BUCKET, ''))
      assert.ok(!(await objectBytes(stack, stack.config.OUTPUT_BUCKET, k)).includes(MARKER), k);
  });

  it('no presigned URL or signature leaks into an event, a job record or a log', async () => {
    const texts = [await readFile(path.join(file('stack'), 'events.jsonl'), 'utf8'), await readFile(logFile, 'utf8')];
    texts.push(JSON.stringify((await stack.rt.jobs.list({ limit: 100 })).records));
    assert.ok(texts[0].includes('INPUT_UNREADABLE'), 'refusals were recorded');
    for (const t of texts) assert.doesNotMatch(t, /X-Amz-Signature|X-Amz-Credential|https?:\/\/127\.0\.0\.1/);
  });

  it('a valid file with garbage appended is transcoded correctly or refused, never half-published', async () => {
    const f = file('garbage.mp4');
    await generateSample({
      output: f,
      durationSec: 3,
      width: 320,
      height: 240,
      fps: 25,
      audio: true,
      extraArgs: ['-movflags', '+faststart'],
    });
    const frames = (await frameTimes(f)).length;
    await writeFile(f, Buffer.concat([await readFile(f), randomBytes(200 * 1024)]));
    const { jobId, detail } = await runJob(stack, f, 'uploads/garbage.mp4', { preset: 'h264-single-480p' });
    const published = await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${jobId}/`);
    if (detail.status === 'COMPLETE') {
      const video = detail.outputs!.find((o) => o.type === 'video')!;
      assert.equal(video.frames, frames, 'every frame of the valid part, nothing more');
      // Every published file is listed (a CMAF folder as one entry with its file count).
      assert.equal(
        published.length,
        detail.outputs!.reduce((a, o) => a + (o.files ?? 1), 0),
      );
    } else {
      assert.ok(detail.errorCode?.startsWith('INPUT_'), detail.errorCode);
      assert.deepEqual(published, []);
    }
  });

  it('odd object keys never become paths: outputs stay under the job id', async () => {
    const f = file('plain.mp4');
    await generateSample({ output: f, durationSec: 2, width: 160, height: 120, fps: 10, audio: false });
    // (Keys with empty segments, `a//b`, are valid in S3 but s3rver cannot store them.)
    for (const key of [
      'uploads/ünï cödé 名前 %41 #?&=.mp4',
      'uploads/ctrl\u0007bell\ttab.mp4',
      'uploads/..hidden/...mp4',
    ]) {
      const { jobId, detail } = await runJob(stack, f, key, { preset: 'h264-single-480p' });
      assert.equal(detail.status, 'COMPLETE', `${key}: ${detail.errorMessage}`);
      for (const o of detail.outputs!)
        assert.ok(o.uri.startsWith(`s3://${stack.config.OUTPUT_BUCKET}/${jobId}/`), o.uri);
      assert.equal(detail.source, `s3://${stack.config.INGEST_BUCKET}/${key}`);
    }
    // The local S3 refuses dot segments instead of resolving them on its disk.
    await assert.rejects(
      stack.s3.send(
        new PutObjectCommand({ Bucket: stack.config.INGEST_BUCKET, Key: 'uploads/../../../escape.mp4', Body: 'x' }),
      ),
    );
    assert.ok(!(await readdir(dir)).includes('escape.mp4'));
  });

  it('a worker killed mid-segment is retried and the job completes with every frame', async () => {
    const f = file('kill.mp4');
    await generateSample({ output: f, durationSec: 8, width: 640, height: 360, fps: 25, audio: true });
    let killed = false;
    // Kill the first ffmpeg that encodes segment 1, as a crashed Lambda would die.
    const timer = setInterval(() => {
      if (killed) return;
      // Only this test's stack (its scratch folder, regex-escaped): never another ffmpeg on the machine.
      execFile(
        'pgrep',
        ['-f', '--', `${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^ ]*-seg1-[^ ]*/[0-9]+p\\.mp4`],
        (err, out) => {
          const pid = Number(out.trim().split('\n')[0]);
          if (!err && pid && !killed) {
            killed = true;
            process.kill(pid, 'SIGKILL');
          }
        },
      );
    }, 20);
    try {
      const { detail, events } = await runJob(stack, f, 'uploads/kill.mp4', {
        preset: 'h264-single-480p',
        'segment-seconds': '2',
      });
      assert.ok(killed, 'the segment encoder was killed');
      assert.equal(detail.status, 'COMPLETE', detail.errorMessage);
      assert.equal(detail.outputs!.find((o) => o.type === 'video')!.frames, (await frameTimes(f)).length);
      // STATUS_UPDATE progress events come between; a retried segment never adds a state change.
      assert.deepEqual(
        events.map((e) => (e.detail as { status: string }).status).filter((s) => s !== 'STATUS_UPDATE'),
        ['PROGRESSING', 'COMPLETE'],
      );
    } finally {
      clearInterval(timer);
    }
    assert.match(await readFile(logFile, 'utf8'), /"step":"transcodeSegment".*killed by SIGKILL/);
  });

  it('S3 answering 503 SlowDown on many requests: the job completes with correct outputs', async () => {
    const f = file('slow.mp4');
    await generateSample({ output: f, durationSec: 4, width: 320, height: 240, fps: 25, audio: true });
    let calls = 0;
    let injected = 0;
    stack.s3.middlewareStack.addRelativeTo(
      ((next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
        // Every third request is throttled, as S3 does under load.
        if (++calls % 3 === 0) {
          injected++;
          throw Object.assign(new Error('Please reduce your request rate.'), {
            name: 'SlowDown',
            $metadata: { httpStatusCode: 503 },
            $fault: 'server',
          });
        }
        return next(args);
      }) as never,
      { relation: 'after', toMiddleware: 'retryMiddleware', name: 'inject503' } as never,
    );
    try {
      const { detail } = await runJob(stack, f, 'uploads/slow.mp4', {
        preset: 'h264-single-480p',
        'segment-seconds': '1',
      });
      assert.equal(detail.status, 'COMPLETE', detail.errorMessage);
      assert.equal(detail.outputs!.find((o) => o.type === 'video')!.frames, (await frameTimes(f)).length);
      assert.ok(injected > 10, `503s injected: ${injected}`);
    } finally {
      stack.s3.middlewareStack.remove('inject503');
    }
  });

  it('the same upload delivered twice starts one job', async () => {
    const f = file('twice.mp4');
    await generateSample({ output: f, durationSec: 2, width: 160, height: 120, fps: 10, audio: false });
    const { jobId } = await runJob(stack, f, 'uploads/twice.mp4', { preset: 'h264-single-480p' });
    const head = await stack.s3.send(
      new (await import('@aws-sdk/client-s3')).HeadObjectCommand({
        Bucket: stack.config.INGEST_BUCKET,
        Key: 'uploads/twice.mp4',
      }),
    );
    const again = (await ingest.invoke(stack.rt, {
      'detail-type': 'Object Created',
      source: 'aws.s3',
      detail: {
        bucket: { name: stack.config.INGEST_BUCKET },
        object: { key: 'uploads/twice.mp4', etag: head.ETag!.replace(/"/g, ''), size: head.ContentLength },
      },
    })) as { started: boolean; jobId: string; alreadyStarted: boolean };
    assert.equal(again.jobId, jobId);
    assert.equal(again.alreadyStarted, true);
    assert.deepEqual(
      stack
        .jobEvents(jobId)
        .map((e) => (e.detail as { status: string }).status)
        .filter((s) => s !== 'STATUS_UPDATE'),
      ['PROGRESSING', 'COMPLETE'],
      'one job, one set of events',
    );
  });
});
