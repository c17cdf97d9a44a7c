import type { OperationDoc } from '../openapiOperations.js';

/** The `deleteTemplate` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: 'Delete a stored template (jobs already submitted keep their copy)',
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
    '204': {
      description: 'Deleted.',
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
    '409': {
      description: 'TEMPLATE_BUILT_IN: built-ins cannot be deleted',
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
