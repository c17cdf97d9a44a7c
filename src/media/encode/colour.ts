/**
 * Colour: what the source is (SDR, PQ or HLG HDR) and what each preset makes of it. Pure:
 * parsing of ffprobe's stream fields, the decision, and the filter/encoder arguments.
 *
 * Rule (DESIGN.md): an HDR source is either kept as HDR (10-bit, its signalling and metadata
 * kept) or really tone-mapped to BT.709 SDR and tagged so; never an 8-bit truncation that
 * still carries HDR tags.
 */

/** A chromaticity or luminance as ffprobe prints it: a rational string such as "34000/50000". */
type RationalString = string;

/** SMPTE ST 2086 mastering display colour volume (HDR10 static metadata). */
export interface MasteringDisplay {
  red: [RationalString, RationalString];
  green: [RationalString, RationalString];
  blue: [RationalString, RationalString];
  whitePoint: [RationalString, RationalString];
  /** cd/m². */
  minLuminance: RationalString;
  maxLuminance: RationalString;
}

/** CTA-861.3 content light level (MaxCLL, MaxFALL, cd/m²). */
export interface ContentLight {
  maxContent: number;
  maxAverage: number;
}

/** The colour description of the source's video stream (ffprobe names). */
export interface SourceColour {
  primaries?: string;
  transfer?: string;
  matrix?: string;
  range?: string;
  /** Bits per component of the decoded pictures (8 when unknown). */
  bitDepth: number;
  masteringDisplay?: MasteringDisplay;
  contentLight?: ContentLight;
}

/** The HDR transfer of a source: PQ (SMPTE ST 2084, HDR10) or HLG (ARIB STD-B67), or none. */
export type HdrTransfer = 'pq' | 'hlg';

/** Recognises PQ and HLG from the transfer characteristic. */
export function hdrTransfer(c: SourceColour | undefined): HdrTransfer | undefined {
  if (c?.transfer === 'smpte2084') return 'pq';
  if (c?.transfer === 'arib-std-b67') return 'hlg';
  return undefined;
}

/** Bits per component of an ffmpeg pixel format name (yuv420p10le -> 10, p010le -> 10, nv12 -> 8). */
export function pixFmtBitDepth(pixFmt: string): number {
  const m = /(\d+)(le|be)$/.exec(pixFmt);
  const n = m ? Number(m[1]) : 8;
  return n >= 9 && n <= 16 ? n : 8;
}

interface StreamFields {
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  side_data_list?: Record<string, unknown>[];
}

const known = (v: string | undefined) => (v && v !== 'unknown' && v !== 'unspecified' ? v : undefined);

/**
 * Reads the colour description from an ffprobe stream object (`-show_streams`) and, when
 * given, the side data of the first decoded frame (`-show_frames`): HEVC carries mastering
 * display and content light as SEI in the bitstream, which only a decoded frame reports;
 * MP4 (mdcv/clli) and Matroska carry them in the container, reported on the stream.
 */
export function parseSourceColour(stream: StreamFields, frameSideData: Record<string, unknown>[] = []): SourceColour {
  const c: SourceColour = { bitDepth: Number(stream.bits_per_raw_sample) || pixFmtBitDepth(stream.pix_fmt ?? '') };
  const set = <K extends 'primaries' | 'transfer' | 'matrix' | 'range'>(k: K, v: string | undefined) => {
    if (known(v)) c[k] = v;
  };
  set('primaries', stream.color_primaries);
  set('transfer', stream.color_transfer);
  set('matrix', stream.color_space);
  set('range', stream.color_range);
  for (const sd of [...(stream.side_data_list ?? []), ...frameSideData]) {
    const type = String(sd.side_data_type ?? '');
    if (/mastering display/i.test(type) && sd.red_x !== undefined && !c.masteringDisplay) {
      const r = (k: string) => String(sd[k]);
      c.masteringDisplay = {
        red: [r('red_x'), r('red_y')],
        green: [r('green_x'), r('green_y')],
        blue: [r('blue_x'), r('blue_y')],
        whitePoint: [r('white_point_x'), r('white_point_y')],
        minLuminance: r('min_luminance'),
        maxLuminance: r('max_luminance'),
      };
    }
    if (/content light/i.test(type) && sd.max_content !== undefined && !c.contentLight) {
      c.contentLight = { maxContent: Number(sd.max_content), maxAverage: Number(sd.max_average) };
    }
  }
  return c;
}

/** What the renditions of one job do with colour. */
export type ColourPlan =
  /** SDR in, SDR out: as today (scale, convert to the preset's 8-bit format). */
  | { mode: 'sdr' }
  /** HDR in, 8-bit BT.709 SDR out: tone-mapped with zscale + tonemap, tagged BT.709. */
  | { mode: 'tonemap'; from: HdrTransfer; source: SourceColour }
  /** HDR in, HDR out: 10-bit, the source's primaries/transfer/matrix and HDR10 metadata kept. */
  | { mode: 'keep'; from: HdrTransfer; source: SourceColour };

/** The colour decision for a preset (`video.hdr`) and a source. */
export function planColour(video: { hdr: 'tonemap' | 'keep' }, source: SourceColour | undefined): ColourPlan {
  const from = hdrTransfer(source);
  if (!from || !source) return { mode: 'sdr' };
  return video.hdr === 'keep' ? { mode: 'keep', from, source } : { mode: 'tonemap', from, source };
}

/**
 * What one rung makes of the job's colour: an SDR source stays SDR; an HDR source is kept or
 * tone-mapped as the rung's own codec settings say (`hdr`), so an HEVC rung may keep HDR10
 * while an H.264 rung of the same ladder is tone-mapped.
 */
export function rungColour(job: ColourPlan, video: { hdr: 'tonemap' | 'keep' }): ColourPlan {
  return job.mode === 'sdr' ? job : planColour(video, job.source);
}

/** zscale's names for the source's primaries/transfer/matrix (ffprobe's names differ for some). */
const ZSCALE_PRIMARIES: Record<string, string> = {
  bt2020: '2020',
  bt709: '709',
  smpte432: 'smpte432',
  smpte431: 'smpte431',
};
const ZSCALE_MATRIX: Record<string, string> = { bt2020nc: '2020_ncl', bt2020c: '2020_cl', bt709: '709' };
const ZSCALE_TRANSFER: Record<HdrTransfer, string> = { pq: 'smpte2084', hlg: 'arib-std-b67' };

/**
 * The picture filters of one rendition after the crop/rotation: resize, then colour.
 *
 * - sdr: `scale`, then the preset's 8-bit format (today's behaviour).
 * - tonemap: resize at the source's bit depth (fewer pixels to tone-map), linearise with the
 *   source's transfer stated explicitly (split pieces and odd containers may lose the tags;
 *   zscale would then guess), nominal peak 100 cd/m², convert to BT.709 primaries in float
 *   RGB, Hable curve without desaturation, then BT.709 transfer and matrix, limited range,
 *   8-bit. Needs zscale (libzimg): both Debian's 5.1 and the npm-shipped 2018 build have it.
 * - keep: resize, then the preset's 10-bit format; the signalling is set on the encoder.
 */
export function colourFilters(
  plan: ColourPlan,
  size: { width: number; height: number },
  pixFmt: string,
  hdrPixFmt = 'yuv420p10le',
): string[] {
  const scale = `scale=${size.width}:${size.height}`;
  if (plan.mode === 'sdr') return [scale, `format=${pixFmt}`];
  if (plan.mode === 'keep') return [scale, `format=${hdrPixFmt}`];
  const s = plan.source;
  const pin = ZSCALE_PRIMARIES[s.primaries ?? 'bt2020'] ?? '2020';
  const min = ZSCALE_MATRIX[s.matrix ?? 'bt2020nc'] ?? '2020_ncl';
  const rin = s.range === 'pc' ? 'full' : 'limited';
  return [
    scale,
    `zscale=tin=${ZSCALE_TRANSFER[plan.from]}:pin=${pin}:min=${min}:rin=${rin}:t=linear:npl=100`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=limited',
    `format=${pixFmt}`,
  ];
}

/**
 * Filters that make a still picture (poster, sprite tiles) of an HDR source SDR, whatever the
 * preset does with the video (a JPEG or PNG is shown as SDR BT.709 everywhere): the tone-mapping
 * chain of colourFilters at the picture's own size, ending in `pixFmt`; none for an SDR source.
 */
export function stillColourFilters(source: SourceColour | undefined, pixFmt: string): string[] {
  const plan = planColour({ hdr: 'tonemap' }, source);
  // colourFilters' first filter is the rendition's scale: a still keeps the decoded size.
  return plan.mode === 'tonemap' ? colourFilters(plan, { width: 0, height: 0 }, pixFmt).slice(1) : [];
}

/**
 * Colour signalling of the output stream (VUI / sequence header), as ffmpeg encoder options:
 * BT.709 after tone-mapping, BT.709 for SDR (untagged sources are treated as BT.709, as every
 * player does), the source's own values when HDR is kept.
 */
export function colourTagArgs(plan: ColourPlan): string[] {
  if (plan.mode === 'keep') {
    const s = plan.source;
    return [
      '-color_primaries',
      s.primaries ?? 'bt2020',
      '-color_trc',
      s.transfer ?? (plan.from === 'pq' ? 'smpte2084' : 'arib-std-b67'),
      '-colorspace',
      s.matrix ?? 'bt2020nc',
      '-color_range',
      s.range ?? 'tv',
    ];
  }
  if (plan.mode === 'tonemap')
    return ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv'];
  return [];
}

/** A rational string as a number ("34000/50000" -> 0.68). */
function rat(s: string): number {
  const [n, d] = s.split('/').map(Number);
  return d ? n / d : n;
}

/**
 * x265's HDR10 parameters for kept HDR: the mastering display in x265's units (chromaticity
 * in 0.00002, luminance in 0.0001 cd/m², order G, B, R, white point, L(max,min)) and MaxCLL
 * / MaxFALL, plus `hdr10=1` (SEI on every keyframe) and `repeat-headers=1` so each segment
 * carries them. HLG needs none of these: its signalling is the transfer characteristic.
 */
export function x265HdrParams(plan: ColourPlan): string[] {
  if (plan.mode !== 'keep') return [];
  const out: string[] = [];
  const md = plan.source.masteringDisplay;
  if (md) {
    const xy = (p: [string, string]) => `(${Math.round(rat(p[0]) / 0.00002)},${Math.round(rat(p[1]) / 0.00002)})`;
    out.push(
      `master-display=G${xy(md.green)}B${xy(md.blue)}R${xy(md.red)}WP${xy(md.whitePoint)}L(${Math.round(rat(md.maxLuminance) / 0.0001)},${Math.round(rat(md.minLuminance) / 0.0001)})`,
    );
  }
  const cl = plan.source.contentLight;
  if (cl) out.push(`max-cll=${cl.maxContent},${cl.maxAverage}`);
  if (plan.from === 'pq') out.push('hdr10=1');
  out.push('repeat-headers=1');
  return out;
}

/**
 * ffprobe arguments that decode the first video frame only and print its side data: where
 * HEVC and AV1 carry HDR10 mastering display and content light (SEI / metadata OBUs). Run by
 * the probe for PQ sources, whose metadata the HEVC ladder keeps.
 */
export function buildFirstFrameSideDataArgs(p: {
  url: string;
  videoStream: number;
  protocols: string;
  formats: string;
}): string[] {
  return [
    '-v',
    'error',
    '-hide_banner',
    '-protocol_whitelist',
    p.protocols,
    '-format_whitelist',
    p.formats,
    '-select_streams',
    String(p.videoStream),
    '-read_intervals',
    '%+#1',
    '-show_frames',
    '-show_entries',
    'frame=side_data_list',
    '-print_format',
    'json',
    p.url,
  ];
}

/** The side data of the first frame from buildFirstFrameSideDataArgs' JSON (empty when none). */
export function parseFrameSideData(json: string): Record<string, unknown>[] {
  try {
    const j = JSON.parse(json) as { frames?: { side_data_list?: Record<string, unknown>[] }[] };
    return j.frames?.[0]?.side_data_list ?? [];
  } catch {
    return [];
  }
}

/** Only the HDR10 metadata of a parsed colour description (to merge frame side data in). */
export function pickHdrMetadata(c: SourceColour): Pick<SourceColour, 'masteringDisplay' | 'contentLight'> {
  return {
    ...(c.masteringDisplay ? { masteringDisplay: c.masteringDisplay } : {}),
    ...(c.contentLight ? { contentLight: c.contentLight } : {}),
  };
}
