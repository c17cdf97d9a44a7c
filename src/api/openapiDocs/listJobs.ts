import type { OperationDoc } from '../openapiOperations.js';

/** The `listJobs` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: 'The jobs, newest first, optionally of one status, one page at a time',
  parameters: [
    {
      name: 'limit',
      in: 'query',
      required: false,
      description: 'How many jobs (1-100, default 20).',
      schema: {
        type: 'integer',
        minimum: 1,
        maximum: 100,
        default: 20,
      },
    },
    {
      name: 'status',
      in: 'query',
      required: false,
      description: 'Only jobs of this status.',
      schema: {
        $ref: '#/components/schemas/JobStatus',
      },
    },
    {
      name: 'nextToken',
      in: 'query',
      required: false,
      description: 'The `nextToken` of the previous page (opaque; valid only with the same `status`).',
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
      },
    },
  ],
  responses: {
    '200': {
      description: 'Jobs, newest first.',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/JobList',
          },
        },
      },
    },
    '400': {
      description:
        'INVALID_REQUEST: limit is not a whole number from 1 to 100, status is not a job status, or nextToken is not one this listing gave out',
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
  description:
    'One indexed query per page (DynamoDB: the byTime index, or byStatus with `status`). Each job appears once across the pages of one listing. Measured on the local stack with 300 jobs recorded: see docs/API.md.',
};
