/**
 * Template <-> preset, both pure. A template is the document a user writes; a preset is what
 * the pipeline runs (src/media/plan/presets.ts). The four shipped presets are the built-in
 * templates: presetToTemplate gives their documents, and templateToPreset of those gives the
 * presets back (test/unit/templates.test.ts).
 */
import { PRESETS, type Preset, type RenditionSpec, type VideoSpec } from '../media/plan/presets.js';
import { CODEC_RULES } from './codecs.js';
import { parseTemplate, type Template, type TemplateInput } from './schema.js';

type TemplateVideo = Template['video'];

/** A template's video settings on its codec's defaults (CODEC_RULES). */
export function resolveVideo(v: TemplateVideo): VideoSpec {
  const d = CODEC_RULES[v.codec].defaults;
  const hdr = v.hdr ?? d.hdr;
  const spec: VideoSpec = {
    codec: v.codec,
    encoder: (v.encoder as VideoSpec['encoder'] | undefined) ?? d.encoder,
    speed: v.speed ?? d.speed,
    profile: v.profile ?? d.profile,
    pixFmt: v.pixFmt ?? d.pixFmt,
    bFrames: v.bFrames ?? d.bFrames,
    hdr,
    // The encode-cost factor of the encoder decider is the codec's measured one (presets.ts);
    // a slower speed than the default costs more than it says (docs/TEMPLATES.md).
    relativeCost: d.relativeCost,
  };
  if (hdr === 'keep') {
    spec.hdrPixFmt = v.hdrPixFmt ?? d.hdrPixFmt ?? 'yuv420p10le';
    spec.hdrProfile = v.hdrProfile ?? d.hdrProfile ?? 'main10';
  }
  return spec;
}

/** The preset a (parsed) template runs as. */
export function templateToPreset(t: Template): Preset {
  return {
    name: t.name,
    description: t.description,
    outputs: [...t.outputs],
    video: resolveVideo(t.video),
    gopSeconds: t.gopSeconds,
    audio: {
      encoder: t.audio.codec,
      bitrateKbps: t.audio.bitrateKbps,
      channels: t.audio.channels,
      sampleRate: t.audio.sampleRate,
      ...(t.audio.surround ? { surround: { ...t.audio.surround } } : {}),
    },
    renditions: t.renditions.map((r) => {
      const spec: RenditionSpec = { name: r.name, maxBitrateKbps: r.maxBitrateKbps };
      if (r.height !== undefined) spec.height = r.height;
      if (r.width !== undefined) spec.width = r.width;
      if (r.crf !== undefined) spec.crf = r.crf;
      if (r.targetBitrateKbps !== undefined) spec.targetBitrateKbps = r.targetBitrateKbps;
      if (r.bufferKbps !== undefined) spec.bufferKbps = r.bufferKbps;
      if (r.video) spec.video = resolveVideo(r.video);
      return spec;
    }),
    ...(t.segmentSeconds !== undefined ? { segmentSeconds: t.segmentSeconds } : {}),
    ...(t.thumbnails ? { thumbnailIntervalSeconds: t.thumbnails.intervalSeconds } : {}),
    upscale: t.upscale,
  };
}

/** A video spec as a template writes it (everything but the decider's cost factor). */
function videoDoc(v: VideoSpec): TemplateInput['video'] {
  const { relativeCost: _cost, ...rest } = v;
  // Checked, not trusted: BUILT_IN_TEMPLATES parses what this gives.
  return rest as TemplateInput['video'];
}

/** The template document of a preset: what `GET /templates/{name}` answers for a built-in. */
export function presetToTemplate(p: Preset): TemplateInput {
  return {
    name: p.name,
    description: p.description,
    video: videoDoc(p.video),
    gopSeconds: p.gopSeconds,
    ...(p.segmentSeconds !== undefined ? { segmentSeconds: p.segmentSeconds } : {}),
    audio: {
      codec: p.audio.encoder,
      bitrateKbps: p.audio.bitrateKbps,
      channels: p.audio.channels as 1 | 2,
      sampleRate: p.audio.sampleRate as 44100 | 48000,
      ...(p.audio.surround ? { surround: { ...p.audio.surround } } : {}),
    },
    outputs: [...p.outputs],
    ...(p.thumbnailIntervalSeconds !== undefined
      ? { thumbnails: { intervalSeconds: p.thumbnailIntervalSeconds } }
      : {}),
    upscale: p.upscale ?? 'skip',
    renditions: p.renditions.map(({ video, ...r }) => ({ ...r, ...(video ? { video: videoDoc(video) } : {}) })),
  };
}

/** The built-in templates (the shipped presets), parsed: they cannot be overwritten or deleted. */
export const BUILT_IN_TEMPLATES: Readonly<Record<string, Template>> = Object.fromEntries(
  Object.values(PRESETS).map((p) => [p.name, parseTemplate(presetToTemplate(p))]),
);

/** Whether a name is a built-in template's. */
export const isBuiltInTemplate = (name: string) => Object.hasOwn(BUILT_IN_TEMPLATES, name);
