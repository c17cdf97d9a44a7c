import type { OperationDoc } from '../openapiOperations.js';

/** The `listTemplates` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: 'Every template: the built-ins first, then the stored ones by name',
  responses: {
    '200': {
      description: 'The templates.',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/TemplateList',
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
