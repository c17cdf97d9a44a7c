/**
 * A template: a job's settings as one JSON document, in the shape of a preset
 * (src/media/plan/presets.ts). The one zod schema here is what the API, the upload metadata, the CLI
 * and the store validate with, and what docs/TEMPLATES.md describes; parseTemplate reports every
 * wrong field (path and reason) in one TEMPLATE_INVALID error, before anything runs.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { OUTPUT_FORMATS } from '../media/plan/presets.js';
import { CODEC_RULES, TEMPLATE_CODECS } from './codecs.js';

/** The limits a template is held to; docs/TEMPLATES.md states the same. */
export const TEMPLATE_LIMITS = {
  rungs: { min: 1, max: 10 },
  /** Rung size in pixels (short side by `height`, long side by `width`): 8K UHD's long side at most. */
  pixels: { min: 64, max: 7680 },
  /** Video bit rates, kb/s. */
  videoKbps: { min: 64, max: 100_000 },
  /** VBV buffer, kb. */
  bufferKbps: { min: 64, max: 400_000 },
  gopSeconds: { min: 0.5, max: 10 },
  segmentSeconds: { min: 0.5, max: 60 },
  thumbnailIntervalSeconds: { min: 1, max: 3600 },
  audioKbps: { min: 32, max: 512 },
  surroundKbps: { min: 64, max: 768 },
  /**
   * The largest document the limits above allow, serialized: it travels in every Task's input
   * (Step Functions state 256 KiB) and in a DynamoDB item (400 KB) beside everything else the
   * job carries. Not checked per document: the structure bounds it (a unit test builds the
   * largest one and checks it stays under this).
   */
  bytes: 16 * 1024,
} as const;

/** Template names: the key of its DynamoDB item and what a job names (letters, digits, `_ . -`). */
export const TemplateName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be 1-64 letters, digits or _ . - (starting with a letter or digit)',
  );

/**
 * Rung names become S3 keys and file names (`cmaf/<name>/`, `hls/<name>.m3u8`,
 * `mp4/<name>.mp4`): a closed alphabet, and never a name the package uses itself.
 */
const RungName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 letters, digits, _ or - (starting with a letter or digit)')
  .refine((n) => !/^(audio\d*|master)$/i.test(n), 'is a name the package uses itself (audio tracks, the HLS master)');

const range = (r: { min: number; max: number }, unit: string) =>
  z.number().min(r.min, `must be at least ${r.min} ${unit}`).max(r.max, `must be at most ${r.max} ${unit}`);
const intRange = (r: { min: number; max: number }, unit: string) => range(r, unit).int('must be a whole number');

/** Video settings: `codec` alone takes that codec's defaults (CODEC_RULES); any other field overrides one. */
export const TemplateVideoSchema = z.strictObject({
  codec: z.enum(TEMPLATE_CODECS, { message: `must be one of ${TEMPLATE_CODECS.join(', ')}` }),
  encoder: z.string().max(32).optional(),
  speed: z
    .union([z.string().max(16), z.number().int()])
    .transform(String)
    .optional(),
  profile: z.string().max(16).optional(),
  pixFmt: z
    .literal('yuv420p', { message: 'must be yuv420p (8-bit output; HDR kept as 10-bit uses hdrPixFmt)' })
    .optional(),
  bFrames: z.number().int('must be a whole number').min(0, 'must be at least 0').optional(),
  hdr: z.enum(['tonemap', 'keep'], { message: 'must be tonemap or keep' }).optional(),
  hdrPixFmt: z.literal('yuv420p10le', { message: 'must be yuv420p10le' }).optional(),
  hdrProfile: z.literal('main10', { message: 'must be main10' }).optional(),
});
export type TemplateVideoInput = z.input<typeof TemplateVideoSchema>;

const RungSchema = z.strictObject({
  name: RungName,
  height: intRange(TEMPLATE_LIMITS.pixels, 'px').optional(),
  width: intRange(TEMPLATE_LIMITS.pixels, 'px').optional(),
  crf: z.number().min(0, 'must be at least 0').optional(),
  targetBitrateKbps: intRange(TEMPLATE_LIMITS.videoKbps, 'kb/s').optional(),
  maxBitrateKbps: intRange(TEMPLATE_LIMITS.videoKbps, 'kb/s'),
  bufferKbps: intRange(TEMPLATE_LIMITS.bufferKbps, 'kb').optional(),
  video: TemplateVideoSchema.optional(),
});

const AudioSchema = z.strictObject({
  codec: z.literal('aac', { message: 'must be aac' }).default('aac'),
  bitrateKbps: intRange(TEMPLATE_LIMITS.audioKbps, 'kb/s').default(128),
  channels: z
    .union([z.literal(1), z.literal(2)], { message: 'must be 1 or 2 (5.1 sources keep 6 channels with surround)' })
    .default(2),
  sampleRate: z.union([z.literal(44100), z.literal(48000)], { message: 'must be 44100 or 48000' }).default(48000),
  /** 5.1 sources keep their 6 channels at this bit rate; without it every track is downmixed to `channels`. */
  surround: z.strictObject({ bitrateKbps: intRange(TEMPLATE_LIMITS.surroundKbps, 'kb/s') }).optional(),
});

/** The structure of a template (pass 1 of parseTemplate; checkTemplate does the cross-field rules). */
export const TemplateSchema = z.strictObject({
  name: TemplateName,
  description: z.string().max(256, 'must be at most 256 characters').default(''),
  video: TemplateVideoSchema,
  gopSeconds: range(TEMPLATE_LIMITS.gopSeconds, 's').default(2),
  /** Absent: the deployment's SEGMENT_SECONDS (a job's own `segmentSeconds` wins over both). */
  segmentSeconds: range(TEMPLATE_LIMITS.segmentSeconds, 's').optional(),
  audio: AudioSchema.default({ codec: 'aac', bitrateKbps: 128, channels: 2, sampleRate: 48000 }),
  outputs: z
    .array(z.enum(OUTPUT_FORMATS, { message: `must be one of ${OUTPUT_FORMATS.join(', ')}` }))
    .min(1, 'must name at least one format')
    .max(OUTPUT_FORMATS.length)
    .refine((o) => new Set(o).size === o.length, 'must not repeat a format')
    // The formats of the built-in presets; hls-byterange and any later format only when named.
    .default(['hls', 'dash', 'mp4']),
  /** Absent: the deployment's THUMBNAIL_INTERVAL_SECONDS. */
  thumbnails: z.strictObject({ intervalSeconds: range(TEMPLATE_LIMITS.thumbnailIntervalSeconds, 's') }).optional(),
  upscale: z.enum(['refuse', 'skip'], { message: 'must be refuse or skip' }).default('skip'),
  renditions: z
    .array(RungSchema)
    .min(TEMPLATE_LIMITS.rungs.min, `must have at least ${TEMPLATE_LIMITS.rungs.min} rung`)
    .max(TEMPLATE_LIMITS.rungs.max, `must have at most ${TEMPLATE_LIMITS.rungs.max} rungs`),
});

/** A template as written (defaults may be left out). */
export type TemplateInput = z.input<typeof TemplateSchema>;
/** A parsed template: every default filled in except the video settings (resolved by toPreset). */
export type Template = z.output<typeof TemplateSchema>;

/** One wrong field. */
export interface TemplateProblem {
  /** Dotted path in the document (`renditions.2.crf`); `(template)` for the whole document. */
  path: string;
  message: string;
}

/** A template that does not pass: every wrong field, one line each, in the message and in `problems`. */
export class TemplateInvalidError extends InputError {
  constructor(readonly problems: TemplateProblem[]) {
    super('TEMPLATE_INVALID', `template is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
}

/** The cross-field rules of a structurally valid template, each problem at its field's path. */
export function checkTemplate(t: Template): TemplateProblem[] {
  const out: TemplateProblem[] = [];
  const add = (path: string, message: string) => out.push({ path, message });
  checkVideo(t.video, 'video', add);
  const names = new Set<string>();
  t.renditions.forEach((r, i) => {
    const at = `renditions.${i}`;
    if (names.has(r.name.toLowerCase()))
      add(`${at}.name`, `"${r.name}" is used by an earlier rung (names must be unique, case-insensitively)`);
    names.add(r.name.toLowerCase());
    if ((r.height === undefined) === (r.width === undefined))
      add(at, 'give exactly one of height (short side) or width (long side)');
    if ((r.crf === undefined) === (r.targetBitrateKbps === undefined))
      add(at, 'give exactly one of crf or targetBitrateKbps');
    const codec = r.video?.codec ?? t.video.codec;
    const crf = CODEC_RULES[codec].crf;
    if (r.crf !== undefined && (r.crf > crf.max || !Number.isInteger(r.crf)))
      add(`${at}.crf`, `must be a whole number ${crf.min}-${crf.max} for ${codec}`);
    if (r.targetBitrateKbps !== undefined && r.targetBitrateKbps > r.maxBitrateKbps)
      add(`${at}.targetBitrateKbps`, `must not exceed maxBitrateKbps (${r.maxBitrateKbps})`);
    if (r.bufferKbps !== undefined && r.bufferKbps < r.maxBitrateKbps / 4)
      add(`${at}.bufferKbps`, `must be at least a quarter of maxBitrateKbps (${Math.ceil(r.maxBitrateKbps / 4)} kb)`);
    if (r.video) checkVideo(r.video, `${at}.video`, add);
  });
  if (t.segmentSeconds !== undefined && !isMultiple(t.segmentSeconds, t.gopSeconds)) {
    add(
      'segmentSeconds',
      `must be a whole multiple of gopSeconds (${t.gopSeconds} s), so every segment starts on a keyframe of the grid`,
    );
  }
  return out;
}

const isMultiple = (x: number, of: number) => Math.abs(x / of - Math.round(x / of)) < 1e-9 && x >= of;

function checkVideo(
  v: z.output<typeof TemplateVideoSchema>,
  at: string,
  add: (path: string, message: string) => void,
): void {
  const rules = CODEC_RULES[v.codec];
  if (v.encoder !== undefined && !(rules.encoders as readonly string[]).includes(v.encoder))
    add(`${at}.encoder`, `"${v.encoder}" is not an encoder of ${v.codec} here; use ${rules.encoders.join(' or ')}`);
  if (v.speed !== undefined && !rules.speeds.includes(v.speed))
    add(`${at}.speed`, `"${v.speed}" is not a speed of ${v.codec}; use one of ${rules.speeds.join(', ')}`);
  if (v.profile !== undefined && !rules.profiles.includes(v.profile))
    add(`${at}.profile`, `"${v.profile}" is not an 8-bit profile of ${v.codec}; use ${rules.profiles.join(', ')}`);
  if (v.bFrames !== undefined && v.bFrames > rules.maxBFrames)
    add(`${at}.bFrames`, `must be at most ${rules.maxBFrames} for ${v.codec}`);
  if (v.profile === 'baseline' && (v.bFrames ?? rules.defaults.bFrames) > 0)
    add(`${at}.bFrames`, 'must be 0 with the baseline profile (it has no B-frames)');
  if (v.hdr === 'keep' && !rules.keepsHdr)
    add(`${at}.hdr`, `keep needs a 10-bit HDR codec (hevc); ${v.codec} output tone-maps HDR sources (tonemap)`);
}

/**
 * Validates a template document: the structure, then the cross-field rules. Every wrong field
 * is reported (one line per field, the first reason found for it) in one TemplateInvalidError
 * (code TEMPLATE_INVALID, never retried).
 */
export function parseTemplate(doc: unknown): Template {
  const r = TemplateSchema.safeParse(doc);
  if (!r.success) throw new TemplateInvalidError(zodProblems(r.error));
  const problems = checkTemplate(r.data);
  if (problems.length) throw new TemplateInvalidError(problems);
  return r.data;
}

/** zod's issues as one problem per field (an unknown field is a problem of its own path). */
function zodProblems(error: z.ZodError): TemplateProblem[] {
  const byPath = new Map<string, string>();
  for (const i of error.issues) {
    const base = i.path.map(String);
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) byPath.set([...base, k].join('.'), 'is not a template field');
      continue;
    }
    const p = base.join('.') || '(template)';
    if (!byPath.has(p)) byPath.set(p, i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}
