/**
 * The DASH MPD writer (pure): SegmentTemplate/SegmentTimeline per track, one AdaptationSet per
 * video codec family, audio track and text track. Split from manifests.ts, which holds the track
 * models, the shared bit-rate helpers and the HLS playlists, and re-exports dashManifest.
 */
import { fromManifest, packageLayout } from '../../pipeline/layout.js';
import {
  dashBandwidth,
  type PackageModel,
  presentationSec,
  type TrackModel,
  targetDuration,
  videoByFamily,
} from './manifests.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const isoDuration = (s: number) => `PT${s.toFixed(3)}S`;

/** SegmentTimeline entries: runs of equal durations folded into @r. */
function timeline(t: TrackModel): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < t.segments.length) {
    const s = t.segments[i];
    let r = 0;
    while (
      i + r + 1 < t.segments.length &&
      t.segments[i + r + 1].duration === s.duration &&
      t.segments[i + r + 1].start === t.segments[i + r].start + s.duration
    )
      r++;
    out.push(`<S t="${s.start}" d="${s.duration}"${r ? ` r="${r}"` : ''}/>`);
    i += r + 1;
  }
  return out;
}

function segmentTemplate(t: TrackModel, indent: string): string[] {
  const pto = t.presentationTimeOffset ? ` presentationTimeOffset="${t.presentationTimeOffset}"` : '';
  return [
    `${indent}<SegmentTemplate timescale="${t.timescale}"${pto} initialization="${fromManifest(packageLayout.dashTemplate.initialization)}" media="${fromManifest(packageLayout.dashTemplate.media)}" startNumber="0">`,
    `${indent}  <SegmentTimeline>`,
    ...timeline(t).map((l) => `${indent}    ${l}`),
    `${indent}  </SegmentTimeline>`,
    `${indent}</SegmentTemplate>`,
  ];
}

/** The DASH MPD (static, ISO BMFF live profile: SegmentTemplate with a SegmentTimeline). */
export function dashManifest(m: PackageModel): string {
  const all = [...m.video, ...m.audio];
  const target = targetDuration(all);
  const duration = presentationSec(m);
  const minBuffer = target;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="${isoDuration(duration)}" minBufferTime="${isoDuration(minBuffer)}">`,
    '  <Period id="0" start="PT0S">',
  ];
  // One video AdaptationSet per codec family (a player switches within a set only), then one
  // per audio track, then one per text track; ids count up across them.
  let setId = 0;
  for (const family of videoByFamily(m.video)) {
    const maxW = Math.max(...family.map((v) => v.width));
    const maxH = Math.max(...family.map((v) => v.height));
    lines.push(
      `    <AdaptationSet id="${setId++}" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="${maxW}" maxHeight="${maxH}">`,
    );
    for (const v of family) {
      lines.push(
        `      <Representation id="${esc(v.id)}" bandwidth="${dashBandwidth(v, minBuffer, target)}" codecs="${esc(v.codec)}" width="${v.width}" height="${v.height}" frameRate="${Math.round(v.frameRate * 1000)}/1000">`,
      );
      lines.push(...segmentTemplate(v, '        '), '      </Representation>');
    }
    lines.push('    </AdaptationSet>');
  }
  m.audio.forEach((a, i) => {
    const lang = a.language ? ` lang="${esc(a.language)}"` : '';
    lines.push(
      `    <AdaptationSet id="${setId++}" contentType="audio" mimeType="audio/mp4"${lang} segmentAlignment="true" startWithSAP="1">`,
    );
    if (i === 0) lines.push('      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>');
    lines.push(
      `      <Representation id="${esc(a.id)}" bandwidth="${dashBandwidth(a, minBuffer, target)}" codecs="${esc(a.codec)}" audioSamplingRate="${a.sampleRate}">`,
    );
    lines.push(
      `        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${a.channels}"/>`,
    );
    lines.push(...segmentTemplate(a, '        '), '      </Representation>', '    </AdaptationSet>');
  });
  (m.text ?? []).forEach((t) => {
    const lang = t.language ? ` lang="${esc(t.language)}"` : '';
    lines.push(`    <AdaptationSet id="${setId++}" contentType="text" mimeType="text/vtt"${lang}>`);
    lines.push(
      `      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${t.forced ? 'forced-subtitle' : 'subtitle'}"/>`,
    );
    if (t.name) lines.push(`      <Label>${esc(t.name)}</Label>`);
    // A sidecar: one file for the whole period (bandwidth is required; a text track's is negligible).
    lines.push(
      `      <Representation id="${esc(t.id)}" bandwidth="256">`,
      `        <BaseURL>${esc(fromManifest(packageLayout.subtitles(t.id)))}</BaseURL>`,
      '      </Representation>',
      '    </AdaptationSet>',
    );
  });
  lines.push('  </Period>', '</MPD>');
  return `${lines.join('\n')}\n`;
}
