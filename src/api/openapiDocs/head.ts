/** The HTTP API document's head (info, servers, security) and the components shared by every operation. */

/** The document's head: info, servers, security. */
export const DOCUMENT_HEAD = {
  openapi: '3.1.0',
  info: {
    title: 'media-transcoder HTTP API',
    version: '1.0.0',
    description:
      'On-demand transcode jobs and clips, job status, and presigned uploads into the ingest bucket. API Gateway HTTP API (payload format 2.0), one Lambda function per route (functions/api/*.ts); locally the same handlers behind `npm run serve` (http://127.0.0.1:3000, no credentials). Every error is a JSON body `{"code", "message"}`; docs/API.md lists the codes. In the cloud, requests that match no route are answered by API Gateway itself (`{"message":"Not Found"}`), and unauthenticated ones by its authorizer (403 or 401).',
  },
  servers: [
    {
      url: 'http://127.0.0.1:3000',
      description: 'npm run serve (local stack)',
    },
    {
      url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
      description: 'deployed stack (output HttpApiUrl)',
      variables: {
        apiId: {
          default: 'abcdef1234',
        },
        region: {
          default: 'us-east-1',
        },
      },
    },
  ],
  security: [
    {
      sigv4: [],
    },
    {
      jwt: [],
    },
  ],
} as const;

/** Shared components besides the schemas: security schemes and the responses every operation may give. */
export const SHARED_COMPONENTS = {
  securitySchemes: {
    sigv4: {
      type: 'apiKey',
      name: 'Authorization',
      in: 'header',
      description:
        'apiAuthMode=iam (default): SigV4-signed requests (service execute-api) from a principal allowed execute-api:Invoke.',
    },
    jwt: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'apiAuthMode=jwt: a JWT from apiJwtIssuerUrl for audience apiJwtAudience.',
    },
  },
  responses: {
    PayloadTooLarge: {
      description: 'PAYLOAD_TOO_LARGE: the body is larger than 64 KiB',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
          example: {
            code: 'PAYLOAD_TOO_LARGE',
            message: 'the request body is larger than 65536 bytes',
          },
        },
      },
    },
    UnsupportedMediaType: {
      description: 'UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json (UTF-8)',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
        },
      },
    },
    Internal: {
      description:
        'INTERNAL: an unexpected failure; JOB_RECORD_INVALID: a stored job record does not match the job record schema (both logged with the x-request-id)',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
        },
      },
    },
    Unavailable: {
      description:
        'SERVICE_UNAVAILABLE: a transient failure (S3 or Step Functions throttling, a slow source, a callbackUrl host that cannot be resolved right now); retry after Retry-After seconds.',
      headers: {
        'Retry-After': {
          schema: {
            type: 'integer',
          },
        },
      },
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
        },
      },
    },
    Other: {
      description:
        'Any other refusal: NOT_FOUND and METHOD_NOT_ALLOWED (no such route, local server), FORBIDDEN_HOST (local server: the Host is not a loopback name).',
      content: {
        'application/json': {
          schema: {
            $ref: '#/components/schemas/Error',
          },
        },
      },
    },
  },
} as const;
