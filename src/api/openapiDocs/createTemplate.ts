import type { OperationDoc } from '../openapiOperations.js';

/** The `createTemplate` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: 'Store a template (create or replace)',
  description:
    'Validates the document (docs/TEMPLATES.md) and stores it under its name in DynamoDB beside the jobs; the answer is the document with every default filled in. A built-in name is 409 TEMPLATE_BUILT_IN.',
  requestBody: {
    required: true,
    content: {
      'application/json': {
        schema: {
          $ref: '#/components/schemas/Template',
        },
        example: {
          name: 'my-ladder',
          video: {
            codec: 'h264',
          },
          segmentSeconds: 6,
          renditions: [
            {
              name: '720p',
              height: 720,
              crf: 23,
              maxBitrateKbps: 3000,
            },
            {
              name: '360p',
              height: 360,
              crf: 25,
              maxBitrateKbps: 900,
            },
          ],
        },
      },
    },
  },
  responses: {
    '200': {
      description: 'Replaced a stored template.',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Template',
          },
        },
      },
    },
    '201': {
      description: 'Created.',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Template',
          },
        },
      },
    },
    '400': {
      description: 'INVALID_JSON, TEMPLATE_INVALID (details: every wrong field)',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
        },
      },
    },
    '409': {
      description: "TEMPLATE_BUILT_IN: the name is a built-in's; TOO_MANY_TEMPLATES",
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
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
