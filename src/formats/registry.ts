/**
 * The output formats a job can publish, each a module (src/formats/format.ts). Assemble,
 * Publish, the placement rules and the COMPLETE event loop over this list; the request's
 * `outputs` enum is its names. Adding a format = its module + one line here.
 */
import type { OutputFormatModule } from './format.js';
import { hls } from './hls.js';
import { dash } from './dash.js';
import { mp4 } from './mp4.js';
import { hlsByterange } from './hlsByterange.js';

/** Every format, in the order their manifests are listed and their groups reported. */
export const FORMATS = [hls, dash, mp4, hlsByterange] as const;

/** A format's name. */
export type OutputFormat = (typeof FORMATS)[number]['name'];

/** The names of every format (the request's `outputs` enum). */
export const OUTPUT_FORMATS = FORMATS.map((f) => f.name) as [OutputFormat, ...OutputFormat[]];

/** A format by name. */
export const formatOf = (name: string): OutputFormatModule | undefined => FORMATS.find((f) => f.name === name);

/** The format owning a package file (by its folder), if any. */
export const formatOwning = (file: string): OutputFormatModule | undefined =>
  FORMATS.find((f) => file.startsWith(f.dir));
