/**
 * Stored templates, in the job records' DynamoDB table (dynalite locally): one item per
 * template under a key no job id can take (`template#<name>`: job ids have no `#`), listed
 * through the table's `byTime` index under their own partition (`listPk` = "TEMPLATE", sorted
 * by name), so `GET /jobs` never sees them and they never reach `byStatus` (no `status`).
 * Built-in templates are not stored: they are the shipped presets (convert.ts), and their
 * names can be neither written nor deleted here (TemplateBuiltInError).
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { JOBS_INDEX } from '../pipeline/jobStore.js';
import { BUILT_IN_TEMPLATES, isBuiltInTemplate } from './convert.js';
import { parseTemplate, type Template } from './schema.js';

const LIST_PK = 'TEMPLATE';
const keyOf = (name: string) => `template#${name}`;

/**
 * Stored templates at most: `GET /templates` answers them in one list, and a Query page
 * (1 MB) holds about 250 of the largest (TEMPLATE_LIMITS.bytes); more would need paging.
 */
export const MAX_STORED_TEMPLATES = 200;

/** A write or delete aimed at a built-in template's name (the API's 409 TEMPLATE_BUILT_IN). */
export class TemplateBuiltInError extends Error {
  override name = 'TemplateBuiltIn';
  constructor(
    readonly templateName: string,
    action: 'overwritten' | 'deleted',
  ) {
    super(
      `"${templateName}" is a built-in template; it cannot be ${action} (built-ins: ${Object.keys(BUILT_IN_TEMPLATES).join(', ')})`,
    );
  }
}

/** One template as `GET /templates` lists it. */
export interface TemplateSummary {
  name: string;
  description: string;
  builtIn: boolean;
  renditions: string[];
  updatedAt?: string;
}

/** A stored item whose document no longer passes the schema: reported, never run. */
export class StoredTemplateInvalidError extends Error {
  override name = 'StoredTemplateInvalid';
  constructor(
    readonly templateName: string,
    options: { cause: unknown },
  ) {
    super(`the stored template "${templateName}" does not pass the template schema`, options);
  }
}

/** The stored templates. */
export class TemplateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Stores a (parsed) template: true when it is new, false when it replaced one. */
  async put(t: Template, now = new Date()): Promise<boolean> {
    if (isBuiltInTemplate(t.name)) throw new TemplateBuiltInError(t.name, 'overwritten');
    const r = await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { jobId: keyOf(t.name), listPk: LIST_PK, listKey: t.name, document: t, updatedAt: now.toISOString() },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return r.Attributes === undefined;
  }

  /** A template by name: a built-in, a stored one, or undefined. */
  async get(name: string): Promise<{ template: Template; builtIn: boolean; updatedAt?: string } | undefined> {
    if (isBuiltInTemplate(name)) return { template: BUILT_IN_TEMPLATES[name], builtIn: true };
    const r = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { jobId: keyOf(name) }, ConsistentRead: true }),
    );
    if (!r.Item) return undefined;
    return { template: checked(name, r.Item.document), builtIn: false, updatedAt: r.Item.updatedAt as string };
  }

  /** Every template: the built-ins first, then the stored ones by name. */
  async list(): Promise<TemplateSummary[]> {
    const out: TemplateSummary[] = Object.values(BUILT_IN_TEMPLATES).map((t) => summary(t, true));
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: JOBS_INDEX.byTime,
          KeyConditionExpression: 'listPk = :p',
          ExpressionAttributeValues: { ':p': LIST_PK },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of r.Items ?? [])
        out.push(summary(checked(String(item.listKey), item.document), false, item.updatedAt as string));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** How many templates are stored (the built-ins not counted). */
  async count(): Promise<number> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: JOBS_INDEX.byTime,
        KeyConditionExpression: 'listPk = :p',
        ExpressionAttributeValues: { ':p': LIST_PK },
        Select: 'COUNT',
      }),
    );
    return r.Count ?? 0;
  }

  /** Deletes a stored template: false when there was none. */
  async delete(name: string): Promise<boolean> {
    if (isBuiltInTemplate(name)) throw new TemplateBuiltInError(name, 'deleted');
    const r = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { jobId: keyOf(name) }, ReturnValues: 'ALL_OLD' }),
    );
    return r.Attributes !== undefined;
  }
}

function checked(name: string, doc: unknown): Template {
  try {
    return parseTemplate(doc);
  } catch (err) {
    throw new StoredTemplateInvalidError(name, { cause: err });
  }
}

const summary = (t: Template, builtIn: boolean, updatedAt?: string): TemplateSummary => ({
  name: t.name,
  description: t.description,
  builtIn,
  renditions: t.renditions.map((r) => r.name),
  ...(updatedAt ? { updatedAt } : {}),
});
