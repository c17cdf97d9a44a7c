import assert from 'node:assert/strict';
import { describeFailure, ERROR_CODES, InputError } from '../../src/errors.js';
import { readFileSync } from 'node:fs';
import { buildJobEvent, DETAIL_TYPE } from '../../src/pipeline/events.js';
import type { VerificationReport } from '../../src/pipeline/verify.js';
import { sampleCost } from '../helpers/cost.js';

describe('errors and events', () => {
  it('reads the code from a local Cause and from a cloud Lambda Cause', () => {
    const e = new InputError('INPUT_NO_VIDEO', 'no video');
    assert.deepEqual(describeFailure(e.name, e.message), { code: 'INPUT_NO_VIDEO', message: 'no video' });
    const cloud = JSON.stringify({ errorType: 'InputError', errorMessage: e.message, trace: [] });
    assert.deepEqual(describeFailure('InputError', cloud), { code: 'INPUT_NO_VIDEO', message: 'no video' });
    assert.equal(describeFailure('States.Timeout', '').code, 'TIMEOUT');
    assert.equal(describeFailure('TypeError', 'x is undefined').code, 'INTERNAL');
  });

  const job = {
    jobId: 'j-1',
    source: { bucket: 'ingest', key: 'a.mp4' },
    submittedAt: '2026-01-01T00:00:00.000Z',
    correlationId: 'c-9',
    userMetadata: { team: 'news' },
  };

  it('COMPLETE carries MediaConvert-style output details, correlation id and metadata', () => {
    const e = buildJobEvent({
      status: 'COMPLETE',
      job,
      source: 'media-transcoder',
      busName: 'bus',
      now: new Date('2026-01-01T00:01:00Z'),
      outputs: [
        {
          type: 'video',
          name: 'mp4/720p.mp4',
          uri: 's3://output/j-1/mp4/720p.mp4',
          sizeBytes: 10,
          rendition: '720p',
          durationMs: 5000,
          width: 1280,
          height: 720,
        },
      ],
    });
    assert.equal(e.DetailType, DETAIL_TYPE);
    const d = JSON.parse(e.Detail);
    assert.equal(d.status, 'COMPLETE');
    assert.equal(d.correlationId, 'c-9');
    assert.deepEqual(d.userMetadata, { team: 'news' });
    assert.deepEqual(d.outputGroupDetails[0].outputDetails[0], {
      outputFilePaths: ['s3://output/j-1/mp4/720p.mp4'],
      durationInMs: 5000,
      videoDetails: { widthInPx: 1280, heightInPx: 720 },
    });
    assert.equal(d.errorCode, undefined);
  });

  it('ERROR carries the code and message and no outputs', () => {
    const e = buildJobEvent({
      status: 'ERROR',
      job,
      source: 's',
      busName: 'b',
      error: { Error: 'InputError', Cause: 'INPUT_EMPTY: the source object is empty (0 bytes)' },
    });
    const d = JSON.parse(e.Detail);
    assert.equal(d.errorCode, 'INPUT_EMPTY');
    assert.equal(d.errorMessage, 'the source object is empty (0 bytes)');
    assert.equal(d.outputs, undefined);
  });
});

describe('job event JSON Schema', () => {
  const job = { jobId: 'j-1', source: { bucket: 'ingest', key: 'a.mp4' }, submittedAt: '2026-01-01T00:00:00.000Z' };
  const verification: VerificationReport = {
    status: 'PASSED',
    limits: {
      maxTimestampErrorFrames: 0.5,
      maxAvStartOffsetMs: 21.333,
      maxAvEndOffsetMs: 40,
      minSsim: 0.8,
      minPsnrDb: 25,
    },
    renditions: [
      {
        name: '720p',
        framesIn: 75,
        framesOut: 75,
        maxTimestampErrorMs: 0,
        avStartOffsetMs: 0,
        avEndOffsetMs: 1.333,
        joinsChecked: 5,
        keyframesAligned: true,
        piecesChecked: 3,
        quality: { framesMeasured: 3, ssimMin: 0.97, ssimMean: 0.98, psnrMinDb: 38.2, psnrMeanDb: 40.1 },
      },
    ],
  };
  const deliver = (e: ReturnType<typeof buildJobEvent>) => ({
    version: '0',
    id: 'x',
    'detail-type': e.DetailType,
    source: e.Source,
    account: '000000000000',
    time: '2026-01-01T00:01:00Z',
    region: 'us-east-1',
    resources: e.Resources,
    detail: JSON.parse(e.Detail),
  });

  it('accepts what the emitter builds for every status', async () => {
    const { eventSchemaErrors } = await import('../helpers/eventSchema.js');
    const encoder = { ffmpegVersion: '5.1.9-0+deb12u1' };
    const complete = buildJobEvent({
      status: 'COMPLETE',
      job,
      source: 's',
      busName: 'b',
      encoder,
      verification,
      cost: sampleCost(),
      outputs: [
        {
          type: 'video',
          name: 'a.mp4',
          uri: 's3://o/j-1/a.mp4',
          sizeBytes: 1,
          durationMs: 1,
          width: 2,
          height: 2,
          frames: 1,
        },
      ],
    });
    const error = buildJobEvent({
      status: 'ERROR',
      job,
      source: 's',
      busName: 'b',
      encoder,
      error: { Error: 'InputError', Cause: 'INPUT_EMPTY: empty' },
    });
    const progressing = buildJobEvent({
      status: 'PROGRESSING',
      job,
      source: 's',
      busName: 'b',
      progress: { step: 'TRANSCODING', segmentsTotal: 3 },
    });
    for (const e of [complete, error, progressing]) assert.deepEqual(eventSchemaErrors(deliver(e)), []);
    assert.deepEqual(JSON.parse(complete.Detail).encoder, encoder, 'COMPLETE names the ffmpeg version');
  });

  it('rejects a COMPLETE that does not name the ffmpeg version that produced it', async () => {
    const { eventSchemaErrors } = await import('../helpers/eventSchema.js');
    const complete = deliver(
      buildJobEvent({
        status: 'COMPLETE',
        job,
        source: 's',
        busName: 'b',
        outputs: [],
        verification,
        cost: sampleCost(),
      }),
    );
    assert.deepEqual(eventSchemaErrors(complete), [
      "/detail must have required property 'encoder'",
      '/detail must match "then" schema',
    ]);
  });

  it('rejects a COMPLETE without its verification, or with a rendition missing a figure', async () => {
    const { eventSchemaErrors } = await import('../helpers/eventSchema.js');
    const encoder = { ffmpegVersion: '5.1' };
    const without = deliver(
      buildJobEvent({ status: 'COMPLETE', job, source: 's', busName: 'b', outputs: [], encoder, cost: sampleCost() }),
    );
    assert.deepEqual(eventSchemaErrors(without), [
      "/detail must have required property 'verification'",
      '/detail must match "then" schema',
    ]);
    const complete = deliver(
      buildJobEvent({
        status: 'COMPLETE',
        job,
        source: 's',
        busName: 'b',
        outputs: [],
        encoder,
        verification,
        cost: sampleCost(),
      }),
    );
    assert.deepEqual(eventSchemaErrors(complete), []);
    const noFrames = structuredClone(complete);
    delete (noFrames.detail as { verification: { renditions: Record<string, unknown>[] } }).verification.renditions[0]
      .framesOut;
    assert.deepEqual(eventSchemaErrors(noFrames), [
      "/detail/verification/renditions/0 must have required property 'framesOut'",
    ]);
    // Only COMPLETE carries it.
    const error = buildJobEvent({
      status: 'ERROR',
      job,
      source: 's',
      busName: 'b',
      verification,
      error: { Error: 'EncoderError', Cause: 'VERIFICATION_FAILED: rendition 720p: frames: 74 frames out, 75 in' },
    });
    assert.equal(JSON.parse(error.Detail).verification, undefined);
    assert.equal(JSON.parse(error.Detail).errorCode, 'VERIFICATION_FAILED');
  });

  it('rejects a COMPLETE without its cost', async () => {
    const { eventSchemaErrors } = await import('../helpers/eventSchema.js');
    const complete = deliver(
      buildJobEvent({
        status: 'COMPLETE',
        job,
        source: 's',
        busName: 'b',
        outputs: [],
        encoder: { ffmpegVersion: '5.1' },
        verification,
        cost: sampleCost(),
      }),
    );
    assert.deepEqual(eventSchemaErrors(complete), []);
    delete (complete.detail as Record<string, unknown>).cost;
    assert.notDeepEqual(eventSchemaErrors(complete), []);
  });

  it('rejects an ERROR without a code and a COMPLETE carrying an error', async () => {
    const { eventSchemaErrors } = await import('../helpers/eventSchema.js');
    const error = deliver(
      buildJobEvent({
        status: 'ERROR',
        job,
        source: 's',
        busName: 'b',
        error: { Error: 'X', Cause: 'INPUT_EMPTY: empty' },
      }),
    );
    delete (error.detail as Record<string, unknown>).errorCode;
    assert.notDeepEqual(eventSchemaErrors(error), []);
    const complete = deliver(
      buildJobEvent({
        status: 'COMPLETE',
        job,
        source: 's',
        busName: 'b',
        outputs: [],
        encoder: { ffmpegVersion: '5.1' },
        verification,
        cost: sampleCost(),
      }),
    );
    (complete.detail as Record<string, unknown>).errorCode = 'INTERNAL';
    assert.notDeepEqual(eventSchemaErrors(complete), []);
  });

  it('a COMPLETE lists the tracks kept and skipped, in the schema; a track without its reason or with a bad language is refused', async () => {
    const { eventSchemaErrors } = await import('../helpers/eventSchema.js');
    const tracks = {
      audio: [
        { id: 'audio', sourceIndex: 1, language: 'eng', title: 'English', channels: 2, default: true },
        { id: 'audio2', sourceIndex: 2, language: 'fra', channels: 6, default: false },
      ],
      subtitles: [
        {
          id: 'text1',
          sourceIndex: 3,
          codec: 'subrip',
          format: 'webvtt' as const,
          language: 'eng',
          cues: 12,
          default: false,
          forced: false,
        },
      ],
      skipped: [
        {
          sourceIndex: 4,
          type: 'subtitle' as const,
          codec: 'hdmv_pgs_subtitle',
          language: 'deu',
          reason: 'image subtitles (bitmaps) cannot become WebVTT text',
        },
      ],
    };
    const complete = deliver(
      buildJobEvent({
        status: 'COMPLETE',
        job,
        source: 's',
        busName: 'b',
        outputs: [],
        encoder: { ffmpegVersion: '5.1' },
        tracks,
        verification,
        cost: sampleCost(),
      }),
    );
    assert.deepEqual((complete.detail as { tracks: unknown }).tracks, tracks);
    assert.deepEqual(eventSchemaErrors(complete), []);
    const noReason = structuredClone(complete);
    delete (noReason.detail as { tracks: { skipped: Record<string, unknown>[] } }).tracks.skipped[0].reason;
    assert.notDeepEqual(eventSchemaErrors(noReason), []);
    const badLanguage = structuredClone(complete);
    (badLanguage.detail as { tracks: { audio: Record<string, unknown>[] } }).tracks.audio[0].language = 'English';
    assert.notDeepEqual(eventSchemaErrors(badLanguage), []);
    // Only COMPLETE carries them.
    const progressing = deliver(buildJobEvent({ status: 'PROGRESSING', job, source: 's', busName: 'b', tracks }));
    assert.equal((progressing.detail as { tracks?: unknown }).tracks, undefined);
  });
});

describe('error codes documented where users read them', () => {
  const doc = (f: string) => readFileSync(new URL(`../../docs/${f}`, import.meta.url), 'utf8');
  it('docs/API.md lists every code of ERROR_CODES and no other', () => {
    const table = doc('API.md')
      .split('The `errorCode` of an `ERROR` event')[1]
      .split('\n\n')
      .find((b) => b.startsWith('| code'))!;
    const listed = table
      .split('\n')
      .slice(2)
      .flatMap((row) => [...row.split('|')[1].matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]));
    assert.deepEqual([...new Set(listed)].sort(), [...ERROR_CODES].sort());
  });
  it('the event schema and the OpenAPI document enumerate exactly ERROR_CODES', () => {
    const schema = JSON.parse(doc('schemas/job-event.schema.json'));
    const enums: string[][] = [];
    const walk = (o: unknown): void => {
      if (Array.isArray(o)) {
        o.forEach(walk);
        return;
      }
      if (o && typeof o === 'object')
        for (const [k, v] of Object.entries(o))
          k === 'errorCode' && (v as { enum?: string[] }).enum ? enums.push((v as { enum: string[] }).enum) : walk(v);
    };
    walk(schema);
    const api = JSON.parse(doc('openapi.json'));
    walk(api.components.schemas.JobEvent);
    enums.push(api.components.schemas.JobError.properties.code.enum);
    assert.equal(enums.length, 3);
    for (const e of enums) assert.deepEqual([...e].sort(), [...ERROR_CODES].sort());
  });
  it('an upper-case prefix that is not a pipeline code is INTERNAL, its text kept', () => {
    assert.deepEqual(describeFailure('Error', 'ECONNRESET: socket hang up'), {
      code: 'INTERNAL',
      message: 'ECONNRESET: socket hang up',
    });
  });
});
