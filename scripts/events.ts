/**
 * `npm run events -- [--data DIR] [--json] [--lines N] [--no-follow]`
 *
 * Follows the local event log (<data>/events.jsonl, one delivered EventBridge event per line)
 * as events arrive, like `tail -f`: first the last N events (default 10), then each new one.
 * One line per event: time, job id, status, then the error code and message (ERROR), the
 * outputs (COMPLETE) or the progress (PROGRESSING, STATUS_UPDATE with its percent). `--json` prints the raw lines instead.
 */
import { open, stat } from 'node:fs/promises';
import { parseCommandLine } from './cliArgs.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface EventLine {
  time?: string;
  'detail-type'?: string;
  detail?: {
    jobId?: string;
    status?: string;
    errorCode?: string;
    errorMessage?: string;
    correlationId?: string;
    outputs?: { name?: string; uri?: string; type?: string }[];
    progress?: { step?: string; segmentsDone?: number; segmentsTotal?: number };
    jobPercentComplete?: number;
  };
}

/** One readable line for a delivered event (or the raw text when it is not JSON). */
export function formatEvent(ev: EventLine | string): string {
  let e: EventLine;
  if (typeof ev === 'string') {
    try {
      e = JSON.parse(ev) as EventLine;
    } catch {
      return `(unreadable line) ${ev.slice(0, 200)}`;
    }
  } else e = ev;
  const d = e.detail ?? {};
  const parts = [e.time ?? '-', d.jobId ?? '-', (d.status ?? e['detail-type'] ?? '-').padEnd(11)];
  if (d.status === 'ERROR') parts.push(`${d.errorCode ?? 'INTERNAL'}: ${d.errorMessage ?? ''}`);
  else if (d.status === 'COMPLETE') {
    const outs = d.outputs ?? [];
    const videos = outs.filter((o) => o.type === 'video');
    parts.push(
      `${outs.length} outputs: ${(videos.length ? videos : outs).map((o) => o.uri ?? o.name).join(' ')}${videos.length && outs.length > videos.length ? ` (+${outs.length - videos.length} more)` : ''}`,
    );
  } else if (d.progress) {
    const p = d.progress;
    parts.push(
      [
        p.step,
        p.segmentsTotal ? `segments ${p.segmentsDone ?? 0}/${p.segmentsTotal}` : '',
        d.jobPercentComplete !== undefined ? `${d.jobPercentComplete}%` : '',
      ]
        .filter(Boolean)
        .join('  '),
    );
  }
  if (d.correlationId) parts.push(`[${d.correlationId}]`);
  return parts.join('  ').trimEnd();
}

/** Bytes read from the end of the log for the first lines. */
const TAIL_BYTES = 4 * 1024 * 1024;

export interface FollowOptions {
  file: string;
  /** Last N existing lines to print first (0: only new events). */
  lines: number;
  follow: boolean;
  onLine: (line: string) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

/**
 * Prints the last `lines` lines, then (with `follow`) polls the file for appended lines. A file
 * that does not exist yet is waited for; a file that shrinks (a new log) is read from its start.
 */
export async function followEvents(o: FollowOptions): Promise<void> {
  const size = async () => (await stat(o.file).catch(() => undefined))?.size;
  let offset = 0;
  let partial = '';
  const initial = await size();
  if (initial !== undefined) {
    // Only the tail is read: enough for the last N events without loading a long log.
    const from = o.lines > 0 ? Math.max(0, initial - TAIL_BYTES) : initial;
    const fh = await open(o.file, 'r');
    try {
      const buf = Buffer.alloc(initial - from);
      await fh.read(buf, 0, buf.length, from);
      const end = buf.lastIndexOf(0x0a) + 1;
      const complete = buf.subarray(0, end).toString('utf8').split('\n').filter(Boolean);
      if (from > 0) complete.shift(); // the first line may be cut
      for (const l of o.lines > 0 ? complete.slice(-o.lines) : []) o.onLine(l);
      offset = from + end;
    } finally {
      await fh.close();
    }
  }
  if (!o.follow) return;
  const pollMs = o.pollMs ?? 250;
  while (!o.signal?.aborted) {
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        o.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, pollMs);
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (o.signal?.aborted) break;
    const now = await size();
    if (now === undefined) continue;
    if (now < offset) {
      offset = 0;
      partial = '';
    }
    if (now === offset) continue;
    const fh = await open(o.file, 'r');
    try {
      const buf = Buffer.alloc(now - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      offset += bytesRead;
      const text = partial + buf.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l) o.onLine(l);
    } finally {
      await fh.close();
    }
  }
}

const USAGE = `usage: npm run events -- [--data DIR] [--json] [--lines N] [--no-follow]
  --data DIR    local stack folder (default ./.local-data); reads DIR/events.jsonl
  --json        print the raw JSON lines
  --lines N     print the last N events first (default 10; 0 = only new ones)
  --no-follow   print and exit instead of waiting for new events`;

async function main(): Promise<number> {
  const args = parseCommandLine(USAGE, {
    options: {
      data: { type: 'string', default: '.local-data' },
      json: { type: 'boolean', default: false },
      lines: { type: 'string', default: '10' },
      'no-follow': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof args === 'number') return args;
  const { values } = args;
  const lines = Number(values.lines);
  if (!Number.isInteger(lines) || lines < 0) {
    process.stderr.write('--lines must be a whole number\n');
    return 2;
  }
  const file = path.resolve(values.data!, 'events.jsonl');
  const follow = !values['no-follow'];
  if (follow) process.stderr.write(`following ${file} (Ctrl-C stops)\n`);
  const ac = new AbortController();
  process.on('SIGINT', () => ac.abort());
  process.on('SIGTERM', () => ac.abort());
  process.stdout.on('error', () => ac.abort());
  await followEvents({
    file,
    lines,
    follow,
    signal: ac.signal,
    onLine: (l) => process.stdout.write(`${values.json ? l : formatEvent(l)}\n`),
  });
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
