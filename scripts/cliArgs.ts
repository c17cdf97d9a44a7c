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
