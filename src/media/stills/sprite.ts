import sharp from 'sharp';
import { formatHms as vttTime } from '../../util/hms.js';

/** Tile size and grid of a sprite sheet. */
export interface SpriteLayout {
  tileWidth: number;
  tileHeight: number;
  columns: number;
}

/**
 * The WebVTT index of a sprite sheet: tile i covers [i*interval, (i+1)*interval), the last
 * one ends at the video's end. Players use it for scrubbing previews.
 */
export function buildSpriteVtt(
  count: number,
  intervalSec: number,
  durationSec: number,
  layout: SpriteLayout,
  spriteName: string,
): string {
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < count; i++) {
    const start = i * intervalSec;
    const end = Math.min((i + 1) * intervalSec, durationSec);
    if (end <= start) break;
    const x = (i % layout.columns) * layout.tileWidth;
    const y = Math.floor(i / layout.columns) * layout.tileHeight;
    lines.push(
      `${vttTime(start)} --> ${vttTime(end)}`,
      `${spriteName}#xywh=${x},${y},${layout.tileWidth},${layout.tileHeight}`,
      '',
    );
  }
  return lines.join('\n');
}

/** Composes equal-size tiles into one JPEG sprite sheet. */
export async function composeSprite(
  tiles: string[],
  layout: SpriteLayout,
  output: string,
): Promise<{ width: number; height: number }> {
  const columns = Math.min(layout.columns, tiles.length);
  const rows = Math.ceil(tiles.length / layout.columns);
  const width = columns * layout.tileWidth;
  const height = rows * layout.tileHeight;
  await sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite(
      tiles.map((input, i) => ({
        input,
        left: (i % layout.columns) * layout.tileWidth,
        top: Math.floor(i / layout.columns) * layout.tileHeight,
      })),
    )
    .jpeg({ quality: 75 })
    .toFile(output);
  return { width, height };
}

/** The poster: the frame as JPEG, no wider than `maxWidth`. */
export async function makePoster(
  frame: string,
  output: string,
  maxWidth = 1280,
): Promise<{ width: number; height: number }> {
  const info = await sharp(frame)
    .resize({ width: maxWidth, withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toFile(output);
  return { width: info.width, height: info.height };
}
