import type { OperationDoc } from '../openapiOperations.js';

/** The `cancelJob` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: 'Cancel a job that has not ended',
  description:
    'Records the job CANCELED (a conditional write: it wins only while the job is SUBMITTED or PROGRESSING), stops its execution and any running ECS task, deletes its work files and anything already published, and emits exactly one final `CANCELED` event. Answers the job as `GET /jobs/{id}` does.',
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
      description: 'The job, now CANCELED.',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Job',
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
    '409': {
      description: 'JOB_ALREADY_FINAL: the job has already ended (COMPLETE, ERROR or CANCELED)',
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
