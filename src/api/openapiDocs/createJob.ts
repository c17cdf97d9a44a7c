import type { OperationDoc } from '../openapiOperations.js';

/** The `createJob` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: 'Start a transcode job (optionally a clip) from an object in the ingest bucket',
  description:
    "Validates the request, checks the source (HEAD, then ffprobe of the container duration over a presigned URL, with the pipeline's protocol and format whitelists), records the job as SUBMITTED and starts its execution. The job's events (`Transcode Job State Change`) echo `correlationId` and `userMetadata`; with `callbackUrl` they are also POSTed there by the webhook notifier.",
  requestBody: {
    required: true,
    content: {
      'application/json': {
        schema: {
          $ref: '#/components/schemas/CreateJobRequest',
        },
        examples: {
          clip: {
            value: {
              source: 's3://ingest/uploads/talk.mp4',
              preset: 'h264-single-480p',
              clip: {
                start: '00:00:12.345',
                end: 20,
              },
              correlationId: 'order-1234',
              userMetadata: {
                customer: 'acme',
              },
              callbackUrl: 'https://hooks.example.com/transcode',
            },
          },
          whole: {
            value: {
              source: 's3://ingest/uploads/talk.mp4',
            },
          },
        },
      },
    },
  },
  responses: {
    '202': {
      description: 'Accepted: the job is recorded and its execution started.',
      headers: {
        Location: {
          schema: {
            type: 'string',
          },
          description: '/jobs/{jobId}',
        },
      },
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/CreateJobResponse',
          },
          example: {
            jobId: 'j-5f0c2a9e8b7d6c5b4a392817',
            status: 'SUBMITTED',
          },
        },
      },
    },
    '400': {
      description:
        'INVALID_JSON (also: not valid UTF-8), INVALID_REQUEST (also: a source key with . or .. segments, or one S3 refuses), INVALID_CLIP (end not after start, bad timecode), UNKNOWN_PRESET, SOURCE_NOT_ALLOWED (not in the ingest bucket)',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
          example: {
            code: 'INVALID_CLIP',
            message: 'clip end (00:00:05.000) must be after clip start (00:00:10.000)',
          },
        },
      },
    },
    '404': {
      description: 'SOURCE_NOT_FOUND: the source object does not exist',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
          example: {
            code: 'SOURCE_NOT_FOUND',
            message: 'the source object s3://ingest/uploads/missing.mp4 does not exist',
          },
        },
      },
    },
    '413': {
      $ref: '#/components/responses/PayloadTooLarge',
    },
    '415': {
      $ref: '#/components/responses/UnsupportedMediaType',
    },
    '422': {
      description:
        'CLIP_OUT_OF_RANGE (the clip starts at or after the end of the source, or ends past it), SOURCE_EMPTY, SOURCE_TOO_LARGE, SOURCE_UNREADABLE, SOURCE_UNSUPPORTED',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
          example: {
            code: 'CLIP_OUT_OF_RANGE',
            message: 'clip start 00:00:25.000 is at or after the end of the source (00:00:20.000)',
          },
        },
      },
    },
    '500': {
      $ref: '#/components/responses/Internal',
    },
    '503': {
      $ref: '#/components/responses/Unavailable',
    },
    default: {
      $ref: '#/components/responses/Other',
    },
  },
  callbacks: {
    jobStateChange: {
      '{$request.body#/callbackUrl}': {
        post: {
          summary: 'A job event, POSTed by the webhook notifier',
          description:
            'The EventBridge event as delivered to a rule target (docs/schemas/job-event.schema.json): one PROGRESSING event, then exactly one COMPLETE or ERROR. Headers X-Transcode-Event-Id (for de-duplication: a retried delivery carries the same id) and X-Transcode-Job-Id. Answer 2xx within 10 s; 408, 429 and 5xx (or no answer) are retried at most twice; redirects are not followed.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  $ref: '#/components/schemas/JobEvent',
                },
              },
            },
          },
          responses: {
            '2XX': {
              description: 'Delivered.',
            },
          },
        },
      },
    },
  },
};
