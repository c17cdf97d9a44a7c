import assert from 'node:assert/strict';
import { iamPrefixes, keys, packageLayout } from '../../src/pipeline/layout.js';
import { dashManifest, hlsPlaylists, type PackageModel } from '../../src/media/package/manifests.js';

/** S3/IAM `*` wildcard match (any characters, `/` included). */
const matches = (pattern: string, key: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(key);

describe('the layout module', () => {
  it('every work key of a job lies under the work prefix the deploy grants, and the upload records under the uploads grant', () => {
    const p = iamPrefixes();
    const k = keys as Record<string, (...a: never[]) => string>;
    for (const [name, f] of Object.entries(k)) {
      if (name === 'output' || name === 'outputPrefix' || name === 'mapResultsPrefix') continue;
      const key = (f as (...a: unknown[]) => string)('j-1', 3, 'x', 2);
      assert.ok(matches(p.work.jobs, key), `${name}: ${key} outside ${p.work.jobs}`);
    }
    assert.ok(matches(p.work.uploads, keys.multipartUpload('j-1', 'u')));
    assert.ok(matches(p.work.mapResults, `${keys.mapResultsPrefix()}/abc/manifest.json`));
    assert.ok(matches(p.output.packages, keys.output('j-1', packageLayout.hlsMaster)));
  });

  it('the DASH template names the same files as the layout (init and every numbered fragment)', () => {
    const track = {
      id: '720p',
      timescale: 1000,
      codec: 'avc1.64001f',
      segments: [
        { start: 0, duration: 2000, bytes: 10 },
        { start: 2000, duration: 2000, bytes: 10 },
      ],
    };
    const model: PackageModel = { video: [{ ...track, width: 1280, height: 720, frameRate: 25 }], audio: [] };
    const mpd = dashManifest(model);
    const init = /initialization="\.\.\/([^"]+)"/.exec(mpd)![1].replace('$RepresentationID$', '720p');
    const media = /media="\.\.\/([^"]+)"/.exec(mpd)![1].replace('$RepresentationID$', '720p');
    assert.equal(init, packageLayout.init('720p'));
    for (const n of [0, 1, 12345])
      assert.equal(media.replace('$Number%05d$', String(n).padStart(5, '0')), packageLayout.segment('720p', n));
    // HLS names the same pieces.
    const media720 = hlsPlaylists(model)[packageLayout.hlsMedia('720p')];
    assert.ok(
      media720.includes(`../${packageLayout.init('720p')}`) &&
        media720.includes(`../${packageLayout.segment('720p', 1)}`),
    );
  });
});
