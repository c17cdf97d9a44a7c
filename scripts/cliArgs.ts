import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Parses a command line the way every script here does: a bad flag prints the message and the
 * usage and yields exit code 2; `--help` prints the usage and yields 0. The config must declare
 * `help`. Returns the parsed values, or the exit code to return.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  return parsed;
}

/**
 * What is wrong with the input path, in one line, or undefined when it is a readable file: a
 * missing path and a directory are told apart (a directory is not "not found").
 */
export function inputProblem(input: string): string | undefined {
  let st;
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
