import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

const schema = JSON.parse(
  readFileSync(new URL('../../docs/schemas/job-event.schema.json', import.meta.url), 'utf8'),
) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(schema);

/** Validates a delivered job event against docs/schemas/job-event.schema.json; returns the errors. */
export function eventSchemaErrors(ev: unknown): string[] {
  return validate(ev) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
