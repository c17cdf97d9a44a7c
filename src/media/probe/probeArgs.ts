/**
 * The ffprobe command lines of the probe (pure): the protocols an input may be opened with, and
 * the arguments of the stream/format probe and of the per-stream packet probe. Split from
 * probe.ts, which keeps the parsing of their output and the checks on it, so that each module
 * stays under 300 lines; probe.ts re-exports these names.
 */
import { SOURCE_FORMATS } from '../ffmpeg/whitelists.js';

/** Options shared by every probe call. */
export interface ProbeInput {
  /** A local path or a presigned http(s) URL. */
  url: string;
}

/** Protocols ffprobe/ffmpeg may open for an input: only what our own code hands them. */
export function protocolWhitelist(url: string): string {
  return /^https?:/i.test(url) ? 'http,https,tcp,tls,crypto' : 'file';
}

/** Arguments of the stream/format probe (JSON on stdout). */
export function buildStreamProbeArgs(input: ProbeInput): string[] {
  return [
    '-v',
    'error',
    '-hide_banner',
    '-protocol_whitelist',
    protocolWhitelist(input.url),
    '-format_whitelist',
    SOURCE_FORMATS,
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    input.url,
  ];
}

/**
 * Arguments of the packet probe of one stream: pts,dts,duration,flags per line, no decoding.
 * Log level `warning`, not `error`: a packet cut short by the end of the file ("Packet
 * corrupt") is only a warning, and it is what tells a cut download from a header that merely
 * miscounts (checkPacketIndex).
 */
export function buildPacketProbeArgs(input: ProbeInput, streamIndex: number): string[] {
  return [
    '-v',
    'warning',
    '-hide_banner',
    '-protocol_whitelist',
    protocolWhitelist(input.url),
    '-format_whitelist',
    SOURCE_FORMATS,
    '-select_streams',
    String(streamIndex),
    '-show_entries',
    'packet=pts,dts,duration,flags',
    '-of',
    'csv=p=0',
    input.url,
  ];
}
