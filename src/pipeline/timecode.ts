/**
 * Clip times as the API accepts them: seconds (a JSON number, or a decimal string) or a
 * timecode `HH:MM:SS[.fraction]` (hours any number of digits up to 3, minutes and seconds
 * 00-59, up to 6 fraction digits). SMPTE frame timecodes (`HH:MM:SS:FF`) are refused: they need
 * a frame rate the caller may not know the source has.
 */

/** The largest time accepted (a week; the pipeline's own duration limit is lower). */
export const MAX_TIME_SECONDS = 7 * 24 * 3600;

const DECIMAL = /^(\d{1,7})(?:\.(\d{1,6}))?$/;
const TIMECODE = /^(\d{1,3}):([0-5]\d):([0-5]\d)(?:\.(\d{1,6}))?$/;
const SMPTE = /^\d{1,3}:\d{2}:\d{2}[:;]\d{2}$/;

/** Why a time was refused. */
export class TimeParseError extends Error {
  override name = 'TimeParseError';
}

/** Rounds to the microsecond, the finest step a timecode can name. */
const micro = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Parses a clip time into seconds. Decimal digits are kept exactly as written (no float sum of
 * parts): `"00:00:12.345"` gives the same number as `12.345`.
 */
export function parseTime(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TimeParseError('must be a finite number of seconds');
    if (value < 0) throw new TimeParseError('must not be negative');
    if (value > MAX_TIME_SECONDS) throw new TimeParseError(`must be at most ${MAX_TIME_SECONDS} seconds`);
    return micro(value);
  }
  if (typeof value !== 'string') throw new TimeParseError('must be a number of seconds or a timecode "HH:MM:SS.mmm"');
  const s = value.trim();
  let m = DECIMAL.exec(s);
  if (m) return parseTime(Number(s));
  m = TIMECODE.exec(s);
  if (m) {
    const whole = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    return parseTime(Number(m[4] ? `${whole}.${m[4]}` : String(whole)));
  }
  if (SMPTE.test(s))
    throw new TimeParseError(`"${value}" is a frame timecode (HH:MM:SS:FF); give "HH:MM:SS.mmm" or seconds`);
  throw new TimeParseError(
    `"${value.slice(0, 40)}" is neither seconds nor a timecode "HH:MM:SS.mmm" (minutes and seconds 00-59, up to 6 decimals)`,
  );
}

/** Formats seconds as `HH:MM:SS.mmm` (for messages). */
export { formatHms as formatTimecode } from '../util/hms.js';
