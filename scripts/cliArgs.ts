import { readFileSync, statSync } from 'node:fs';
import { parseTemplate, TemplateInvalidError, type Template } from '../src/templates/schema.js';
import { isBuiltInTemplate } from '../src/templates/convert.js';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Parses a command line the way every script here does: a bad flag prints the message and the
 * usage and yields exit code 2; `--help` prints the usage and yields 0. The config must declare
 * `help`. Returns the parsed values, or the exit code to return.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed;
}

/**
 * What is wrong with the input path, in one line, or undefined when it is a readable file: a
 * missing path and a directory are told apart (a directory is not "not found").
 */
export function inputProblem(input: string): string | undefined {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(input);
  } catch {
    return `input not found: ${input}`;
  }
  if (st.isDirectory()) return `input is a directory, not a video file: ${input}`;
  if (!st.isFile()) return `input is not a regular file: ${input}`;
  return undefined;
}

/**
 * What is wrong with `--out`, in one line, or undefined when the outputs can go there: checked
 * before anything runs, so a job is never transcoded only to fail at the download. It must be
 * a directory or not exist yet, under a directory (not under a file).
 */
export function outDirProblem(out: string): string | undefined {
  const abs = path.resolve(out);
  // ENOENT and ENOTDIR (a file on the way) both mean "not there": the walk up finds why.
  const at = (p: string) => {
    try {
      return statSync(p);
    } catch {
      return undefined;
    }
  };
  const st = at(abs);
  if (st) return st.isDirectory() ? undefined : `--out ${out} exists and is not a directory`;
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    const up = at(dir);
    if (up) return up.isDirectory() ? undefined : `--out ${out} cannot be created: ${dir} is not a directory`;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/**
 * The template of `--template FILE`: read, parsed and validated before anything runs; otherwise
 * the problem in lines (one per wrong field). A built-in's name is refused: the file would
 * shadow the shipped preset (the CLI stores the template under its name in the local stack).
 */
export function readTemplateFile(file: string): { template: Template } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return {
      problem: `--template ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { problem: `--template ${file}: not JSON (${(err as Error).message})` };
  }
  try {
    const template = parseTemplate(doc);
    if (isBuiltInTemplate(template.name))
      return {
        problem: `--template ${file}: "${template.name}" is a built-in template's name; give the template a name of its own`,
      };
    return { template };
  } catch (err) {
    if (!(err instanceof TemplateInvalidError)) throw err;
    return {
      problem: [
        `--template ${file}: the template is invalid:`,
        ...err.problems.map((p) => `  ${p.path}: ${p.message}`),
      ].join('\n'),
    };
  }
}
