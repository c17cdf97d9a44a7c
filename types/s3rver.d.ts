declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    middleware: unknown[];
    close(): Promise<void>;
    on(
      event: 'event',
      fn: (e: {
        Records: {
          eventName: string;
          s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
        }[];
      }) => void,
    ): this;
  }
}
