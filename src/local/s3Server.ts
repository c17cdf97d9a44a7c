/**
 * The local S3: s3rver on a loopback port with its guards (src/local/s3Guards.ts), AWS's S3 limits
 * (src/local/s3Limits.ts), AbortMultipartUpload (src/local/s3Multipart.ts) and a listen that turns
 * a taken port into a ListenError. Split from stack.ts, which composes it with the rest.
 */
import type http from 'node:http';
import S3rver from 's3rver';
import { ListenError } from '../errors.js';
import type { Limits } from '../aws/limits.js';
import { listenReason } from './listen.js';
import { abortMultipartUploads } from './s3Multipart.js';
import {
  guardStoreWrites,
  refuseDotSegments,
  refuseUnstorableKeys,
  type KoaMiddleware,
  type S3rverStore,
} from './s3Guards.js';
import { enforceS3RequestLimits, enforceS3StoreLimits, type LimitedStore } from './s3Limits.js';

/** Where the local S3 listens, keeps its data, which buckets it has and the limits it enforces. */
export interface LocalS3Options {
  address: string;
  /** 0 picks a free port. */
  port: number;
  /** s3rver's data folder. */
  dir: string;
  buckets: string[];
  limits: Limits;
}

/** A running local S3: the server, its endpoint URL, and a hook for the errors of single requests. */
export interface LocalS3 {
  server: S3rver;
  endpoint: string;
  /** Koa's own handler prints request errors to stderr; this sends them where the caller logs. */
  onRequestError(fn: (err: unknown) => void): void;
}

/** Starts s3rver with its guards and limits; resolves once it listens. */
export async function startLocalS3(opts: LocalS3Options): Promise<LocalS3> {
  const server = new S3rver({
    address: opts.address,
    port: opts.port,
    silent: true,
    directory: opts.dir,
    configureBuckets: opts.buckets.map((name) => ({ name })),
  });
  // s3rver joins keys into filesystem paths as they are: keys it cannot store safely (a `..`
  // segment, a segment too long for a file name) are refused before it touches the disk
  // (src/local/s3Guards.ts). After s3rver's logger and XML encoder, so refusals are S3 XML.
  const koa = server as unknown as {
    middleware: KoaMiddleware[];
    store: S3rverStore;
    on(ev: 'error', fn: (err: unknown) => void): unknown;
    /** With a callback: listens and returns the server; without: run()'s promise form. */
    listen: (port: number, host: string, options: object, cb?: () => void) => http.Server | Promise<http.Server>;
  };
  // S3's size and part limits (src/local/s3Limits.ts): refused as S3 refuses them.
  // AbortMultipartUpload (s3rver answers 405 and keeps the parts): src/local/s3Multipart.ts.
  koa.middleware.splice(
    2,
    0,
    refuseDotSegments,
    refuseUnstorableKeys(koa.store),
    enforceS3RequestLimits(opts.limits) as unknown as KoaMiddleware,
    abortMultipartUploads(koa.store) as unknown as KoaMiddleware,
  );
  guardStoreWrites(koa.store);
  enforceS3StoreLimits(koa.store as unknown as LimitedStore, opts.limits);
  // s3rver's own listen leaves the http server's `error` event unhandled: a taken port would
  // crash the process with a stack trace. The same listen, with the error turned into a
  // ListenError (src/local/listen.ts).
  const s3rverListen = koa.listen.bind(server) as (
    port: number,
    host: string,
    options: object,
    cb: () => void,
  ) => http.Server;
  koa.listen = (port, host, options) =>
    new Promise((resolve, reject) => {
      const srv = s3rverListen(port, host, options, () => {
        srv.off('error', onError);
        resolve(srv);
      });
      const onError = (err: NodeJS.ErrnoException) =>
        reject(new ListenError('S3 endpoint', host, port, listenReason(err), { cause: err }));
      srv.once('error', onError);
    });
  const info = await server.run();
  const endpoint = `http://${opts.address}:${info.port}`;
  return { server, endpoint, onRequestError: (fn) => void koa.on('error', fn) };
}
