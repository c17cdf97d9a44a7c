import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid of every process, from /proc (Linux), or `ps` elsewhere. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        parents.set(Number(d), ppid);
      } catch {
        /* the process ended meanwhile */
      }
    }
    return parents;
  } catch {
    const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const [pid, ppid] = line.trim().split(/\s+/).map(Number);
      if (pid) parents.set(pid, ppid);
    }
    return parents;
  }
}

/** Every descendant of a process (children first), e.g. the worker's ffmpeg runs. */
export function descendants(pid = process.pid): number[] {
  const parents = parentMap();
  const out: number[] = [];
  let frontier = [pid];
  while (frontier.length) {
    const next: number[] = [];
    for (const [child, parent] of parents) if (frontier.includes(parent) && !out.includes(child)) next.push(child);
    out.push(...next);
    frontier = next;
  }
  return out;
}

/** Sends a signal to every descendant; returns how many were signalled. */
export function signalDescendants(signal: NodeJS.Signals, pid = process.pid): number {
  let n = 0;
  for (const p of descendants(pid)) {
    try {
      process.kill(p, signal);
      n++;
    } catch {
      /* already gone */
    }
  }
  return n;
}
