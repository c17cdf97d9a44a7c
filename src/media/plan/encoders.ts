/**
 * What the resolved ffmpeg can do: its encoders and filters, listed once per binary
 * (`ffmpeg -hide_banner -encoders` / `-filters`) and cached, and the check that a job's preset
 * can be served, made at planning so a job never fails half-way for want of an encoder (the
 * npm-shipped 2018 static build has no libsvtav1).
 */
import { InputError } from '../../errors.js';
import { runProcess } from '../ffmpeg/runner.js';
import { rungVideo, type Preset, type RenditionSpec } from './presets.js';
import { rungColour, type ColourPlan } from '../encode/colour.js';
import { rateControlProblem } from '../encode/codecs.js';

/** Arguments that list the encoders (`what` = encoders) or filters of an ffmpeg. */
export function buildCapabilityArgs(what: 'encoders' | 'filters'): string[] {
  return ['-hide_banner', '-nostdin', `-${what}`];
}

/**
 * Names from `ffmpeg -encoders` or `-filters` output: lines of flags, a name, a description,
 * after a legend that ends with a `------` line (the 2018 build and 5.1 print the same layout).
 */
export function parseCapabilityList(stdout: string): Set<string> {
  const names = new Set<string>();
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^\s*-{3,}\s*$/.test(l));
  for (const line of lines.slice(start + 1)) {
    const m = /^\s*([A-Z.|]{3,6})\s+([A-Za-z0-9_-]+)\s/.exec(line);
    if (m) names.add(m[2]);
  }
  return names;
}

/** The encoders and filters of one ffmpeg binary. */
export interface Capabilities {
  encoders: Set<string>;
  filters: Set<string>;
  /** The first line of `ffmpeg -version`'s version, e.g. `5.1.8-0+deb12u1` or `N-47683-g0e8eb07980-static`. */
  version?: string;
}

/** The version ffmpeg -version names (its first line: `ffmpeg version <v> Copyright ...`). */
export function parseFfmpegVersion(stdout: string): string {
  return /^\S+ version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
}

/**
 * Lists the encoders, filters and version of `ffmpeg`. Not cached here: the runtime asks once per
 * process (src/runtime.ts `ffmpegCapabilities`), so no module keeps state.
 */
export async function capabilitiesOf(ffmpeg: string, timeoutMs = 30_000): Promise<Capabilities> {
  const [e, f, v] = await Promise.all([
    runProcess(ffmpeg, buildCapabilityArgs('encoders'), { timeoutMs, captureStdout: true }),
    runProcess(ffmpeg, buildCapabilityArgs('filters'), { timeoutMs, captureStdout: true }),
    runProcess(ffmpeg, ['-hide_banner', '-version'], { timeoutMs, captureStdout: true }),
  ]);
  return {
    encoders: parseCapabilityList(e.stdout),
    filters: parseCapabilityList(f.stdout),
    version: parseFfmpegVersion(v.stdout),
  };
}

/** Which ffmpeg produced a job's outputs, as the job's COMPLETE (and ERROR) events name it. */
export interface EncoderInfo {
  /** The version `ffmpeg -version` prints, e.g. "5.1.8-0+deb12u1" or "N-47683-g0e8eb07980-static". */
  ffmpegVersion: string;
}

/**
 * The version of `ffmpeg` for job events, from the same listing the Plan checks. Never rejects: a binary that cannot say its version is
 * "unknown (...)", since the event that carries it must still go out.
 */
export async function encoderInfo(ffmpeg: string): Promise<EncoderInfo> {
  try {
    return { ffmpegVersion: (await capabilitiesOf(ffmpeg)).version ?? 'unknown' };
  } catch (err) {
    return { ffmpegVersion: `unknown (${(err instanceof Error ? err.message : String(err)).split('\n')[0]})` };
  }
}

/**
 * What a job needs from ffmpeg: every rendition's own encoder (rungVideo), the audio encoder
 * and, when a rendition tone-maps an HDR source, zscale and tonemap. `renditions`: the ones the
 * job makes (default: every rung of the preset).
 */
export function requirements(
  preset: Preset,
  colour: ColourPlan = { mode: 'sdr' },
  renditions: readonly RenditionSpec[] = preset.renditions,
): { encoders: string[]; filters: string[] } {
  const videos = renditions.map((r) => rungVideo(preset, r));
  return {
    encoders: [...new Set([...videos.map((v) => v.encoder), preset.audio.encoder])],
    filters: videos.some((v) => rungColour(colour, v).mode === 'tonemap') ? ['zscale', 'tonemap'] : [],
  };
}

/**
 * Refuses, with the permanent ENCODER_UNAVAILABLE, a preset the ffmpeg cannot serve, naming
 * the preset and what is missing: a rendition's encoder or filter, or a rate control its
 * encoder cannot keep with aligned keyframes (codecs.ts rateControlProblem). An InputError: the
 * request cannot be served by this deployment as configured, and retrying will not change that.
 */
export function checkCapabilities(
  preset: Preset,
  caps: Capabilities,
  colour: ColourPlan = { mode: 'sdr' },
  ffmpegLabel = 'ffmpeg',
  renditions: readonly RenditionSpec[] = preset.renditions,
): void {
  for (const r of renditions) {
    const problem = rateControlProblem(r, rungVideo(preset, r));
    if (problem) throw new InputError('ENCODER_UNAVAILABLE', `preset "${preset.name}": ${problem}`);
  }
  const need = requirements(preset, colour, renditions);
  const missingEncoders = need.encoders.filter((e) => !caps.encoders.has(e));
  const missingFilters = need.filters.filter((f) => !caps.filters.has(f));
  if (missingEncoders.length) {
    throw new InputError(
      'ENCODER_UNAVAILABLE',
      `preset "${preset.name}" needs the encoder ${missingEncoders.join(', ')}, which ${ffmpegLabel} does not have`,
    );
  }
  if (missingFilters.length) {
    throw new InputError(
      'ENCODER_UNAVAILABLE',
      `preset "${preset.name}" needs the filter ${missingFilters.join(', ')} to tone-map this HDR source to SDR, which ${ffmpegLabel} does not have`,
    );
  }
}
