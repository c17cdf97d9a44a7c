/**
 * A typed ffmpeg command: global options, inputs with their own options, outputs with their
 * maps and options. The builders compose commands from these parts (a segment's video encode,
 * its stills, its audio chunks are outputs of one command) and the command is rendered to an
 * argument list once, when it is run. Nothing edits a rendered list: a map names its input by
 * identity, so the input's number is only decided at rendering, whatever was added before it.
 */

/** One input: the options that apply to it (whitelists, seek), then `-i url`. */
export interface FfInput {
  readonly options: readonly string[];
  readonly url: string;
}

/** A stream an output takes: `-map <number of input>:<stream>` (stream: `v:0`, `3`, ...). */
export interface FfMap {
  readonly input: FfInput;
  readonly stream: string;
}

/** One output: its maps, its options (filters, encoder, muxer), then its file. */
export interface FfOutput {
  readonly maps: readonly FfMap[];
  readonly options: readonly string[];
  readonly url: string;
}

/**
 * A whole command. `global` options apply to the process wherever they are written (ffmpeg
 * puts every option without a per-file flag in its global group: -y, -loglevel, -copyts,
 * -vsync), so they are written first.
 */
export interface FfCommand {
  readonly global: readonly string[];
  readonly inputs: readonly FfInput[];
  readonly outputs: readonly FfOutput[];
}

/** What every command of the pipeline starts with: quiet, never interactive, overwrite. */
export const BASE_GLOBAL = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'] as const;

/** An input from its options and URL. */
export const ffInput = (url: string, options: readonly string[] = []): FfInput => ({ url, options });

/**
 * The argument list of a command (without the binary). Refuses a map whose input is not one of
 * the command's inputs (a map would otherwise point at whatever input has that number).
 */
export function ffArgs(cmd: FfCommand): string[] {
  const args = [...cmd.global];
  for (const i of cmd.inputs) args.push(...i.options, '-i', i.url);
  for (const o of cmd.outputs) {
    for (const m of o.maps) {
      const n = cmd.inputs.indexOf(m.input);
      if (n < 0)
        throw new Error(
          `ffArgs: output ${o.url} maps ${m.stream} of an input the command does not have (${m.input.url})`,
        );
      args.push('-map', `${n}:${m.stream}`);
    }
    args.push(...o.options, o.url);
  }
  return args;
}

/**
 * Runs `side` inside `main`'s process: its inputs after `main`'s (an input both share, the same
 * object, is opened once), its outputs after `main`'s. The process then starts once, loads its
 * libraries and encoders once, and the runner waits for one child instead of two (a segment's
 * audio chunks, encoded beside its video: measured on the local stack, each separate audio
 * process cost about 0.2 s of CPU before encoding anything). Global options are the process's:
 * `side` may only have options `main` has too (with the same values), never its own ones that
 * would silently apply to `main`'s outputs.
 */
export function mergeCommands(main: FfCommand, side: FfCommand): FfCommand {
  const globals = optionPairs(main.global);
  for (const [k, v] of optionPairs(side.global)) {
    if (!globals.has(k) || globals.get(k) !== v)
      throw new Error(`mergeCommands: global option ${k} ${v ?? ''} differs from the main command`);
  }
  return {
    global: main.global,
    inputs: [...main.inputs, ...side.inputs.filter((i) => !main.inputs.includes(i))],
    outputs: [...main.outputs, ...side.outputs],
  };
}

/** Global options as name -> value (undefined for a flag): a value follows a name when it does not start with `-`. */
function optionPairs(opts: readonly string[]): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (let i = 0; i < opts.length; i++) {
    const next = opts[i + 1];
    if (next !== undefined && !next.startsWith('-')) {
      m.set(opts[i], next);
      i++;
    } else m.set(opts[i], undefined);
  }
  return m;
}
