/**
 * Progressive MP4 downloads: per rendition, one composed init (video, every audio track, the
 * text tracks as mov_text; moov first) and the pieces' fragments interleaved in time order,
 * their moof headers rewritten (package.ts progressiveLayout, placedParts); no packet remuxed.
 */
import { EncoderError } from '../errors.js';
import { progressiveLayout, type LaidTrack } from '../media/package/package.js';
import type { S3Location } from '../aws/s3.js';
import { packageLayout } from '../pipeline/layout.js';
import { defineFormat } from './format.js';
import type { JoinPlan } from './join.js';

export const mp4 = defineFormat({
  name: 'mp4',
  description: 'Progressive MP4 per rendition: the same fragments behind one init with every track, moov first',
  dir: packageLayout.formatDir('mp4'),
  references: [],
  typeOf: () => 'video',
  contentTypes: {},
  group: { type: 'FILE_GROUP', renditionFile: packageLayout.progressive },
  assemble: async (ctx) => {
    const text = await ctx.movText();
    const others: (LaidTrack & { at: S3Location[]; sizes: number[] })[] = [
      ...ctx.audio.map((a) => ({
        init: a.init,
        bases: a.facts.map((f) => f.start),
        at: a.facts.map((_, k) => a.at(k)),
        sizes: a.facts.map((f) => f.bytes),
      })),
      ...text.map((t) => ({ init: t.init, bases: [t.baseDecodeTime], at: [t.fragment], sizes: [t.bytes] })),
    ];
    const joins = ctx.video.map((v): JoinPlan => {
      if (v.facts.some((f) => f.ctsDelay === undefined))
        throw new EncoderError(
          'SEGMENT_MISMATCH',
          `${v.id}: a video piece has no composition delay in its facts (written by an older worker)`,
        );
      const delay = Math.max(0, ...v.facts.map((f) => f.ctsDelay!));
      const last = v.facts[v.facts.length - 1];
      const layout = progressiveLayout(
        { init: v.init, bases: v.facts.map((f) => f.start), end: last.start + last.duration, delay },
        others,
      );
      return {
        format: 'mp4',
        id: v.id,
        rendition: v.id,
        file: packageLayout.progressive(v.id),
        contentType: 'video/mp4',
        head: layout.init,
        delay,
        fragments: layout.order.map((x) => ({
          at: x.track === 0 ? v.at(x.k) : others[x.track - 1].at[x.k],
          bytes: x.track === 0 ? v.facts[x.k].bytes : others[x.track - 1].sizes[x.k],
          placement: x,
        })),
      };
    });
    return { manifests: [], joins };
  },
});
