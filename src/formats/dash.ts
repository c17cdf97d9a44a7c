/** DASH over the shared CMAF pieces: one MPD, SegmentTemplate with a SegmentTimeline (manifests.ts). */
import { dashManifest } from '../media/package/manifests.js';
import { packageLayout } from '../pipeline/layout.js';
import { defineFormat } from './format.js';

export const dash = defineFormat({
  name: 'dash',
  description: 'DASH: one MPD over the CMAF pieces',
  dir: packageLayout.formatDir('dash'),
  references: ['cmaf', 'subs'],
  typeOf: () => 'dash',
  contentTypes: { mpd: 'application/dash+xml' },
  group: { type: 'DASH_ISO_GROUP', entry: packageLayout.dash, renditionFile: packageLayout.trackDir },
  assemble: (ctx) => ({
    manifests: [{ name: packageLayout.dash, body: dashManifest(ctx.model), contentType: 'application/dash+xml' }],
    joins: [],
  }),
});
