/**
 * Seconds as `HH:MM:SS.mmm`, rounded to the millisecond: the WebVTT timestamp form (sprite
 * index, subtitle cues) and the one API messages show. Hours grow past two digits; a negative
 * time is shown as zero (WebVTT has none).
 */
export function formatHms(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(h)}:${p(m)}:${p(s)}.${p(ms % 1000, 3)}`;
}
