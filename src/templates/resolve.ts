/**
 * Which settings a job runs with: the template it carries inline, or the one it names
 * (`template`, or `preset` as before), built in or stored. Resolved once, when the job is
 * submitted: the resolved document travels in the job's input (JobSettings.template), so a
 * template changed or deleted later does not change a job already running.
 */
import { InputError } from '../errors.js';
import { isBuiltInTemplate, BUILT_IN_TEMPLATES } from './convert.js';
import { parseTemplate, TemplateName, type Template } from './schema.js';
import { StoredTemplateInvalidError, type TemplateStore } from './store.js';

/** A job's template: a built-in by name (`preset`, no document: the shipped preset runs), or a document. */
export interface ResolvedTemplate {
  /** The name the job record shows (its `preset`). */
  preset: string;
  /** The document, for anything but a built-in. */
  template?: Template;
}

/**
 * Resolves what a job asks for. `template` (a name or a document) wins over `preset` (a name);
 * with neither, `defaultName`. A document is validated (TEMPLATE_INVALID, every wrong field
 * named); a name that is neither built in nor stored is UNKNOWN_TEMPLATE (UNKNOWN_PRESET when
 * it came as `preset`, the code that field always had).
 */
export async function resolveTemplate(
  store: Pick<TemplateStore, 'get'>,
  ask: { template?: unknown; preset?: string },
  defaultName: string,
): Promise<ResolvedTemplate> {
  if (ask.template !== undefined && typeof ask.template !== 'string') {
    const t = parseTemplate(ask.template);
    return { preset: t.name, template: t };
  }
  const viaPreset = ask.template === undefined;
  const name = (ask.template as string | undefined) ?? ask.preset ?? defaultName;
  if (isBuiltInTemplate(name)) return { preset: name };
  const code = viaPreset ? 'UNKNOWN_PRESET' : 'UNKNOWN_TEMPLATE';
  const known = `built-in: ${Object.keys(BUILT_IN_TEMPLATES).join(', ')}; stored ones: GET /templates`;
  if (!TemplateName.safeParse(name).success)
    throw new InputError(code, `"${name.slice(0, 64)}" is not a template name (${known})`);
  // A stored item that no longer passes the schema (written by an older version) is the job's
  // TEMPLATE_INVALID, never retried: the same item fails the same way every time.
  const found = await store.get(name).catch((err: unknown) => {
    if (err instanceof StoredTemplateInvalidError)
      throw new InputError(
        'TEMPLATE_INVALID',
        `${err.message}: ${(err.cause as Error).message.replace(/^TEMPLATE_INVALID: /, '')}`,
        { cause: err },
      );
    throw err;
  });
  if (!found) throw new InputError(code, `unknown ${viaPreset ? 'preset' : 'template'} "${name}" (${known})`);
  return { preset: name, template: found.template };
}
