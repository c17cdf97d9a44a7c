/**
 * What the HTTP API document says about each operation besides its route (src/api/routes.ts) and
 * its shapes (src/api/documentSchemas.ts): summary, description, parameters, request body and
 * responses, each schema a `$ref` to a component. Typed by operation id, so a new route does not
 * compile without its entry here; src/api/openapi.ts assembles docs/openapi.json from ROUTES.
 */
import type { OperationId } from './operations.js';

/** An OpenAPI 3.1 Operation Object without its operationId (JSON as written into the document). */
export type OperationDoc = { summary: string; responses: Record<string, unknown> } & Record<string, unknown>;

/** The document's head: info, servers, security. */
export const DOCUMENT_HEAD = {
  "openapi": "3.1.0",
  "info": {
    "title": "media-transcoder HTTP API",
    "version": "1.0.0",
    "description": "On-demand transcode jobs and clips, job status, and presigned uploads into the ingest bucket. API Gateway HTTP API (payload format 2.0), one Lambda function per route (functions/api/*.ts); locally the same handlers behind `npm run serve` (http://127.0.0.1:3000, no credentials). Every error is a JSON body `{\"code\", \"message\"}`; docs/API.md lists the codes. In the cloud, requests that match no route are answered by API Gateway itself (`{\"message\":\"Not Found\"}`), and unauthenticated ones by its authorizer (403 or 401)."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:3000",
      "description": "npm run serve (local stack)"
    },
    {
      "url": "https://{apiId}.execute-api.{region}.amazonaws.com",
      "description": "deployed stack (output HttpApiUrl)",
      "variables": {
        "apiId": {
          "default": "abcdef1234"
        },
        "region": {
          "default": "us-east-1"
        }
      }
    }
  ],
  "security": [
    {
      "sigv4": []
    },
    {
      "jwt": []
    }
  ]
} as const;

/** Shared components besides the schemas: security schemes and the responses every operation may give. */
export const SHARED_COMPONENTS = {
  "securitySchemes": {
    "sigv4": {
      "type": "apiKey",
      "name": "Authorization",
      "in": "header",
      "description": "apiAuthMode=iam (default): SigV4-signed requests (service execute-api) from a principal allowed execute-api:Invoke."
    },
    "jwt": {
      "type": "http",
      "scheme": "bearer",
      "bearerFormat": "JWT",
      "description": "apiAuthMode=jwt: a JWT from apiJwtIssuerUrl for audience apiJwtAudience."
    }
  },
  "responses": {
    "PayloadTooLarge": {
      "description": "PAYLOAD_TOO_LARGE: the body is larger than 64 KiB",
      "content": {
        "application/json": {
          "schema": {
            "$ref": "#/components/schemas/Error"
          },
          "example": {
            "code": "PAYLOAD_TOO_LARGE",
            "message": "the request body is larger than 65536 bytes"
          }
        }
      }
    },
    "UnsupportedMediaType": {
      "description": "UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json (UTF-8)",
      "content": {
        "application/json": {
          "schema": {
            "$ref": "#/components/schemas/Error"
          }
        }
      }
    },
    "Internal": {
      "description": "INTERNAL: an unexpected failure; JOB_RECORD_INVALID: a stored job record does not match the job record schema (both logged with the x-request-id)",
      "content": {
        "application/json": {
          "schema": {
            "$ref": "#/components/schemas/Error"
          }
        }
      }
    },
    "Unavailable": {
      "description": "SERVICE_UNAVAILABLE: a transient failure (S3 or Step Functions throttling, a slow source, a callbackUrl host that cannot be resolved right now); retry after Retry-After seconds.",
      "headers": {
        "Retry-After": {
          "schema": {
            "type": "integer"
          }
        }
      },
      "content": {
        "application/json": {
          "schema": {
            "$ref": "#/components/schemas/Error"
          }
        }
      }
    },
    "Other": {
      "description": "Any other refusal: NOT_FOUND and METHOD_NOT_ALLOWED (no such route, local server), FORBIDDEN_HOST (local server: the Host is not a loopback name).",
      "content": {
        "application/json": {
          "schema": {
            "$ref": "#/components/schemas/Error"
          }
        }
      }
    }
  }
} as const;

/** Each operation's documentation, by operation id. */
export const OPERATION_DOCS: Record<OperationId, OperationDoc> = {
  "createJob": {
    "summary": "Start a transcode job (optionally a clip) from an object in the ingest bucket",
    "description": "Validates the request, checks the source (HEAD, then ffprobe of the container duration over a presigned URL, with the pipeline's protocol and format whitelists), records the job as SUBMITTED and starts its execution. The job's events (`Transcode Job State Change`) echo `correlationId` and `userMetadata`; with `callbackUrl` they are also POSTed there by the webhook notifier.",
    "requestBody": {
      "required": true,
      "content": {
        "application/json": {
          "schema": {
            "$ref": "#/components/schemas/CreateJobRequest"
          },
          "examples": {
            "clip": {
              "value": {
                "source": "s3://ingest/uploads/talk.mp4",
                "preset": "h264-single-480p",
                "clip": {
                  "start": "00:00:12.345",
                  "end": 20
                },
                "correlationId": "order-1234",
                "userMetadata": {
                  "customer": "acme"
                },
                "callbackUrl": "https://hooks.example.com/transcode"
              }
            },
            "whole": {
              "value": {
                "source": "s3://ingest/uploads/talk.mp4"
              }
            }
          }
        }
      }
    },
    "responses": {
      "202": {
        "description": "Accepted: the job is recorded and its execution started.",
        "headers": {
          "Location": {
            "schema": {
              "type": "string"
            },
            "description": "/jobs/{jobId}"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/CreateJobResponse"
            },
            "example": {
              "jobId": "j-5f0c2a9e8b7d6c5b4a392817",
              "status": "SUBMITTED"
            }
          }
        }
      },
      "400": {
        "description": "INVALID_JSON (also: not valid UTF-8), INVALID_REQUEST (also: a source key with . or .. segments, or one S3 refuses), INVALID_CLIP (end not after start, bad timecode), UNKNOWN_PRESET, SOURCE_NOT_ALLOWED (not in the ingest bucket)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "code": "INVALID_CLIP",
              "message": "clip end (00:00:05.000) must be after clip start (00:00:10.000)"
            }
          }
        }
      },
      "404": {
        "description": "SOURCE_NOT_FOUND: the source object does not exist",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "code": "SOURCE_NOT_FOUND",
              "message": "the source object s3://ingest/uploads/missing.mp4 does not exist"
            }
          }
        }
      },
      "413": {
        "$ref": "#/components/responses/PayloadTooLarge"
      },
      "415": {
        "$ref": "#/components/responses/UnsupportedMediaType"
      },
      "422": {
        "description": "CLIP_OUT_OF_RANGE (the clip starts at or after the end of the source, or ends past it), SOURCE_EMPTY, SOURCE_TOO_LARGE, SOURCE_UNREADABLE, SOURCE_UNSUPPORTED",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "code": "CLIP_OUT_OF_RANGE",
              "message": "clip start 00:00:25.000 is at or after the end of the source (00:00:20.000)"
            }
          }
        }
      },
      "500": {
        "$ref": "#/components/responses/Internal"
      },
      "503": {
        "$ref": "#/components/responses/Unavailable"
      },
      "default": {
        "$ref": "#/components/responses/Other"
      }
    },
    "callbacks": {
      "jobStateChange": {
        "{$request.body#/callbackUrl}": {
          "post": {
            "summary": "A job event, POSTed by the webhook notifier",
            "description": "The EventBridge event as delivered to a rule target (docs/schemas/job-event.schema.json): one PROGRESSING event, then exactly one COMPLETE or ERROR. Headers X-Transcode-Event-Id (for de-duplication: a retried delivery carries the same id) and X-Transcode-Job-Id. Answer 2xx within 10 s; 408, 429 and 5xx (or no answer) are retried at most twice; redirects are not followed.",
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/JobEvent"
                  }
                }
              }
            },
            "responses": {
              "2XX": {
                "description": "Delivered."
              }
            }
          }
        }
      }
    }
  },
  "listJobs": {
    "summary": "The jobs, newest first, optionally of one status, one page at a time",
    "parameters": [
      {
        "name": "limit",
        "in": "query",
        "required": false,
        "description": "How many jobs (1-100, default 20).",
        "schema": {
          "type": "integer",
          "minimum": 1,
          "maximum": 100,
          "default": 20
        }
      },
      {
        "name": "status",
        "in": "query",
        "required": false,
        "description": "Only jobs of this status.",
        "schema": {
          "$ref": "#/components/schemas/JobStatus"
        }
      },
      {
        "name": "nextToken",
        "in": "query",
        "required": false,
        "description": "The `nextToken` of the previous page (opaque; valid only with the same `status`).",
        "schema": {
          "type": "string",
          "minLength": 1,
          "maxLength": 1024
        }
      }
    ],
    "responses": {
      "200": {
        "description": "Jobs, newest first.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/JobList"
            }
          }
        }
      },
      "400": {
        "description": "INVALID_REQUEST: limit is not a whole number from 1 to 100, status is not a job status, or nextToken is not one this listing gave out",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "500": {
        "$ref": "#/components/responses/Internal"
      },
      "503": {
        "$ref": "#/components/responses/Unavailable"
      },
      "default": {
        "$ref": "#/components/responses/Other"
      }
    },
    "description": "One indexed query per page (DynamoDB: the byTime index, or byStatus with `status`). Each job appears once across the pages of one listing. Measured on the local stack with 300 jobs recorded: see docs/API.md."
  },
  "getJob": {
    "summary": "Status, progress, outputs and error of one job",
    "parameters": [
      {
        "name": "id",
        "in": "path",
        "required": true,
        "schema": {
          "type": "string",
          "pattern": "^[A-Za-z0-9][A-Za-z0-9-]{0,79}$"
        },
        "example": "j-5f0c2a9e8b7d6c5b4a392817"
      }
    ],
    "responses": {
      "200": {
        "description": "The job.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Job"
            },
            "example": {
              "jobId": "j-5f0c2a9e8b7d6c5b4a392817",
              "status": "COMPLETE",
              "source": "s3://ingest/uploads/talk.mp4",
              "preset": "h264-single-480p",
              "clip": {
                "start": 12.345,
                "end": 20
              },
              "correlationId": "order-1234",
              "userMetadata": {
                "customer": "acme"
              },
              "submittedAt": "2025-01-01T10:00:00.000Z",
              "updatedAt": "2025-01-01T10:00:41.000Z",
              "progress": {
                "segmentsDone": 3,
                "segmentsTotal": 3,
                "percent": 100,
                "phase": null
              },
              "outputs": [
                {
                  "type": "video",
                  "name": "480p.mp4",
                  "uri": "s3://output/j-5f0c2a9e8b7d6c5b4a392817/480p.mp4",
                  "sizeBytes": 812345,
                  "rendition": "480p",
                  "durationMs": 7640,
                  "width": 854,
                  "height": 480,
                  "frames": 191
                }
              ],
              "error": null
            }
          }
        }
      },
      "400": {
        "description": "INVALID_JOB_ID: not a job id",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "404": {
        "description": "JOB_NOT_FOUND: no such job",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "500": {
        "$ref": "#/components/responses/Internal"
      },
      "503": {
        "$ref": "#/components/responses/Unavailable"
      },
      "default": {
        "$ref": "#/components/responses/Other"
      }
    }
  },
  "cancelJob": {
    "summary": "Cancel a job that has not ended",
    "description": "Records the job CANCELED (a conditional write: it wins only while the job is SUBMITTED or PROGRESSING), stops its execution and any running ECS task, deletes its work files and anything already published, and emits exactly one final `CANCELED` event. Answers the job as `GET /jobs/{id}` does.",
    "parameters": [
      {
        "name": "id",
        "in": "path",
        "required": true,
        "schema": {
          "type": "string",
          "pattern": "^[A-Za-z0-9][A-Za-z0-9-]{0,79}$"
        },
        "example": "j-5f0c2a9e8b7d6c5b4a392817"
      }
    ],
    "responses": {
      "200": {
        "description": "The job, now CANCELED.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Job"
            }
          }
        }
      },
      "400": {
        "description": "INVALID_JOB_ID: not a job id",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "404": {
        "description": "JOB_NOT_FOUND: no such job",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "409": {
        "description": "JOB_ALREADY_FINAL: the job has already ended (COMPLETE, ERROR or CANCELED)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "500": {
        "$ref": "#/components/responses/Internal"
      },
      "503": {
        "$ref": "#/components/responses/Unavailable"
      },
      "default": {
        "$ref": "#/components/responses/Other"
      }
    }
  },
  "createUpload": {
    "summary": "A presigned PUT URL into the ingest bucket; the upload starts a job",
    "description": "The object goes to `uploads/<uuid>/<sanitized filename>` in the ingest bucket; its Object Created event starts a job with the default preset (x-amz-meta-* settings cannot be added to this URL). The job id is derived from bucket, key and ETag (src/pipeline/ingest.ts jobIdFor), so the same bytes uploaded twice to the same key start one job.",
    "requestBody": {
      "required": true,
      "content": {
        "application/json": {
          "schema": {
            "$ref": "#/components/schemas/CreateUploadRequest"
          },
          "example": {
            "filename": "My talk.mp4",
            "contentType": "video/mp4"
          }
        }
      }
    },
    "responses": {
      "200": {
        "description": "Where and how to upload.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/UploadTicket"
            }
          }
        }
      },
      "400": {
        "description": "INVALID_JSON, INVALID_REQUEST, UNSUPPORTED_FILE_TYPE (the file name has no video suffix)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "413": {
        "$ref": "#/components/responses/PayloadTooLarge"
      },
      "415": {
        "$ref": "#/components/responses/UnsupportedMediaType"
      },
      "500": {
        "$ref": "#/components/responses/Internal"
      },
      "503": {
        "$ref": "#/components/responses/Unavailable"
      },
      "default": {
        "$ref": "#/components/responses/Other"
      }
    }
  }
};
