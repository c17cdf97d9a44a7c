import assert from 'node:assert/strict';
import { FORMATS, OUTPUT_FORMATS } from '../../src/formats/registry.js';
import { published } from '../../src/pipeline/placement.js';
import { buildJobEvent } from '../../src/pipeline/events.js';
import type { PublishedOutput } from '../../src/pipeline/outputs.js';
import { packageLayout } from '../../src/pipeline/layout.js';

describe('the format registry', () => {
  it('the request enum is the registry: each format owns its folder', () => {
    assert.deepEqual(
      OUTPUT_FORMATS,
      FORMATS.map((f) => f.name),
    );
    assert.ok(OUTPUT_FORMATS.includes('hls') && OUTPUT_FORMATS.includes('dash') && OUTPUT_FORMATS.includes('mp4'));
    assert.equal(new Set(FORMATS.map((f) => f.dir)).size, FORMATS.length);
  });

  it("placement: a format's folder with it, the CMAF pieces only with a format whose manifests reference them, the pictures always", () => {
    assert.equal(published(packageLayout.hlsMaster, ['hls']), true);
    assert.equal(published(packageLayout.hlsMaster, ['dash', 'mp4']), false);
    assert.equal(published(packageLayout.segment('720p', 0), ['mp4']), false);
    assert.equal(published(packageLayout.segment('720p', 0), ['dash']), true);
    assert.equal(published(packageLayout.subtitles('text1'), ['hls']), true);
    assert.equal(published(packageLayout.progressive('720p'), ['hls', 'dash']), false);
    assert.equal(published(packageLayout.progressive('720p'), ['mp4']), true);
    assert.equal(published(packageLayout.poster, ['mp4']), true);
  });

  it("COMPLETE: one output group per format published, its entry point and each rendition's file", () => {
    const o = (type: PublishedOutput['type'], name: string, rendition?: string): PublishedOutput => ({
      type,
      name,
      uri: `s3://out/j/${name}`,
      sizeBytes: 1,
      ...(rendition ? { rendition, durationMs: 4000, width: 1280, height: 720 } : {}),
    });
    const outputs = [
      o('hls', 'hls/master.m3u8'),
      o('hls', 'hls/720p.m3u8'),
      o('dash', 'dash/manifest.mpd'),
      o('video', 'mp4/720p.mp4', '720p'),
      o('cmaf', 'cmaf/720p/', '720p'),
      o('cmaf', 'cmaf/audio/'),
      o('poster', 'poster.jpg'),
    ];
    const job = {
      jobId: 'j',
      source: { bucket: 'in', key: 'a.mp4' },
      submittedAt: '2026-01-01T00:00:00.000Z',
      userMetadata: {},
    };
    const d = JSON.parse(buildJobEvent({ status: 'COMPLETE', job, source: 's', busName: 'b', outputs }).Detail);
    assert.deepEqual(
      d.outputGroupDetails.map(
        (g: { type: string; playlistFilePaths?: string[]; outputDetails: { outputFilePaths: string[] }[] }) => [
          g.type,
          g.playlistFilePaths,
          g.outputDetails.map((x) => x.outputFilePaths[0]),
        ],
      ),
      [
        ['HLS_GROUP', ['s3://out/j/hls/master.m3u8'], ['s3://out/j/hls/720p.m3u8']],
        ['DASH_ISO_GROUP', ['s3://out/j/dash/manifest.mpd'], ['s3://out/j/cmaf/720p/']],
        ['FILE_GROUP', undefined, ['s3://out/j/mp4/720p.mp4']],
      ],
    );
    assert.deepEqual(d.outputGroupDetails[0].outputDetails[0].videoDetails, { widthInPx: 1280, heightInPx: 720 });
  });
});
