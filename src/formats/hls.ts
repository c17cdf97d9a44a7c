/** HLS v7 over the shared CMAF pieces: a master and one media playlist per track (manifests.ts). */
import { hlsPlaylists } from '../media/package/manifests.js';
import { packageLayout } from '../pipeline/layout.js';
import { defineFormat } from './format.js';

export const hls = defineFormat({
  name: 'hls',
  description: 'HLS (fMP4): master and media playlists over the CMAF pieces',
  dir: packageLayout.formatDir('hls'),
  references: ['cmaf', 'subs'],
  typeOf: () => 'hls',
  contentTypes: { m3u8: 'application/vnd.apple.mpegurl' },
  group: { type: 'HLS_GROUP', entry: packageLayout.hlsMaster, renditionFile: packageLayout.hlsMedia },
  assemble: (ctx) => ({
    manifests: Object.entries(hlsPlaylists(ctx.model)).map(([name, body]) => ({
      name,
      body,
      contentType: 'application/vnd.apple.mpegurl',
    })),
    joins: [],
  }),
});
