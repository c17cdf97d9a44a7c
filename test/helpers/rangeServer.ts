/**
 * A local HTTP server for files with Range support that counts what it sends: the stand-in
 * for a presigned S3 GET when measuring what a probe or a segment worker reads.
 */
import type { RangeSource } from '../../src/media/probe/indexProbe.js';
import { createServer, type Server } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

/** Bytes sent and requests answered, per file name. */
export interface RangeCounts {
  bytes: number;
  requests: number;
}

export class RangeServer {
  private server?: Server;
  readonly counts = new Map<string, RangeCounts>();
  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const name = path.basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      const file = path.join(this.dir, name);
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        res.writeHead(404).end();
        return;
      }
      const c = this.counts.get(name) ?? { bytes: 0, requests: 0 };
      this.counts.set(name, c);
      c.requests++;
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const end = m?.[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(m ? 206 : 200, {
        'accept-ranges': 'bytes',
        'content-length': String(end - start + 1),
        ...(m ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
      if (req.method === 'HEAD') return void res.end();
      // Small chunks with backpressure: what is counted is close to what the client took.
      const stream = createReadStream(file, { start, end, highWaterMark: 16 * 1024 });
      stream.on('data', (d) => (c.bytes += d.length));
      stream.pipe(res);
      res.on('close', () => stream.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  url(name: string): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/${encodeURIComponent(name)}`;
  }

  take(name: string): RangeCounts {
    const c = this.counts.get(name) ?? { bytes: 0, requests: 0 };
    this.counts.delete(name);
    return c;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * Mocha hooks of a suite that serves a temporary folder: before() makes the folder and starts a
 * RangeServer on it, after() stops it and removes the folder (kept with KEEP_TEST_FILES). The
 * returned object's `dir` and `server` are set once before() has run.
 */
export function rangeServerHooks(prefix: string): { dir: string; server: RangeServer } {
  const ctx = {} as { dir: string; server: RangeServer };
  before(async () => {
    ctx.dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    ctx.server = new RangeServer(ctx.dir);
    await ctx.server.start();
  });
  after(async () => {
    await ctx.server?.stop();
    if (ctx.dir && !process.env.KEEP_TEST_FILES) await rm(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}

/** A range source over bytes in memory (what indexProbe and the segment input read through). */
export const fileSource = (bytes: Uint8Array): RangeSource => ({
  size: bytes.length,
  read: async (s, e) => bytes.subarray(s, Math.min(e, bytes.length)),
});
