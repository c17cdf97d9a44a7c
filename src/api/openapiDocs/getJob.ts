import type { OperationDoc } from '../openapiOperations.js';

/** The `getJob` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: 'Status, progress, outputs and error of one job',
  parameters: [
    {
      name: 'id',
      in: 'path',
      required: true,
      schema: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,79}$',
      },
      example: 'j-5f0c2a9e8b7d6c5b4a392817',
    },
  ],
  responses: {
    '200': {
      description: 'The job.',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Job',
          },
          example: {
            jobId: 'j-5f0c2a9e8b7d6c5b4a392817',
            status: 'COMPLETE',
            source: 's3://ingest/uploads/talk.mp4',
            preset: 'h264-single-480p',
            clip: {
              start: 12.345,
              end: 20,
            },
            correlationId: 'order-1234',
            userMetadata: {
              customer: 'acme',
            },
            submittedAt: '2025-01-01T10:00:00.000Z',
            updatedAt: '2025-01-01T10:00:41.000Z',
            progress: {
              segmentsDone: 3,
              segmentsTotal: 3,
              percent: 100,
              phase: null,
            },
            outputs: [
              {
                type: 'video',
                name: '480p.mp4',
                uri: 's3://output/j-5f0c2a9e8b7d6c5b4a392817/480p.mp4',
                sizeBytes: 812345,
                rendition: '480p',
                durationMs: 7640,
                width: 854,
                height: 480,
                frames: 191,
              },
            ],
            error: null,
          },
        },
      },
    },
    '400': {
      description: 'INVALID_JOB_ID: not a job id',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
        },
      },
    },
    '404': {
      description: 'JOB_NOT_FOUND: no such job',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
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
};
