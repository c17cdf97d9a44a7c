import type { OperationDoc } from '../openapiOperations.js';

/** The `getTemplate` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: "One template's document, as POST /templates takes it back",
  parameters: [
    {
      name: 'name',
      in: 'path',
      required: true,
      schema: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
      },
      example: 'my-ladder',
    },
  ],
  responses: {
    '200': {
      description: 'The template.',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Template',
          },
        },
      },
    },
    '400': {
      description: 'INVALID_REQUEST: not a template name',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
        },
      },
    },
    '404': {
      description: 'TEMPLATE_NOT_FOUND',
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
