import assert from 'node:assert/strict';
import { formatHms } from '../../src/util/hms.js';
import { buildSpriteVtt } from '../../src/media/stills/sprite.js';
import { formatTimecode } from '../../src/pipeline/timecode.js';
import { vttTime } from '../../src/media/plan/tracks.js';

describe('HH:MM:SS.mmm, written once (src/util/hms.ts)', () => {
  it('pads every field, rounds to the millisecond, grows past 99 hours, shows a negative time as zero', () => {
    assert.equal(formatHms(0.05), '00:00:00.050');
    assert.equal(formatHms(59.9996), '00:01:00.000');
    assert.equal(formatHms(3723.5), '01:02:03.500');
    assert.equal(formatHms(100 * 3600 + 7.007), '100:00:07.007');
    assert.equal(formatHms(-0.2), '00:00:00.000');
  });

  it('the sprite index, the subtitle cues and the API messages all write it that way', () => {
    const vtt = buildSpriteVtt(2, 0.5, 0.75, { tileWidth: 160, tileHeight: 90, columns: 2 }, 'sprite.jpg');
    assert.match(vtt, /^00:00:00\.000 --> 00:00:00\.500\n/m);
    assert.match(vtt, /^00:00:00\.500 --> 00:00:00\.750\n/m);
    for (const t of [0.05, 3723.5, 100 * 3600 + 7.007]) {
      assert.equal(formatTimecode(t), formatHms(t));
      assert.equal(vttTime(t), formatHms(t));
    }
  });
});
