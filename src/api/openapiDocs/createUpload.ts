import type { OperationDoc } from '../openapiOperations.js';

/** The `createUpload` operation in docs/openapi.json (its route: src/api/routes.ts; its schemas: src/api/documentSchemas.ts). */
export const doc: OperationDoc = {
  summary: 'A presigned PUT URL into the ingest bucket; the upload starts a job',
  description:
    'The object goes to `uploads/<uuid>/<sanitized filename>` in the ingest bucket; its Object Created event starts a job with the default preset (x-amz-meta-* settings cannot be added to this URL). The job id is derived from bucket, key and ETag (src/pipeline/ingest.ts jobIdFor), so the same bytes uploaded twice to the same key start one job.',
  requestBody: {
    required: true,
    content: {
      'application/json': {
        schema: {
          $ref: '#/components/schemas/CreateUploadRequest',
        },
        example: {
          filename: 'My talk.mp4',
          contentType: 'video/mp4',
        },
      },
    },
  },
  responses: {
    '200': {
      description: 'Where and how to upload.',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/UploadTicket',
          },
        },
      },
    },
    '400': {
      description: 'INVALID_JSON, INVALID_REQUEST, UNSUPPORTED_FILE_TYPE (the file name has no video suffix)',
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
