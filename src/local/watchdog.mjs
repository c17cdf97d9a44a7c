// The local stack's watchdog: a separate, detached process that outlives a killed service just
// long enough to kill what the service had started. Linux has PR_SET_PDEATHSIG, Node has no way
// to set it for its children, so this watches instead: every POLL_MS it notes the service's
// descendants (ffmpeg, ffprobe, local ECS workers) from /proc; once the service is gone it
// SIGKILLs each of them still running (same pid and start time, so a reused pid is spared),
// plus any orphaned ffmpeg/ffprobe in the service's process group started after the last look.
// Plain JavaScript on purpose: it runs with `node` alone, without the TypeScript loader.
// Usage: node watchdog.mjs <service pid>
import { readdirSync, readFileSync } from 'node:fs';

const service = Number(process.argv[2]);
const POLL_MS = 500;

/** pid -> { ppid, pgid, start, comm } of every process, from /proc. */
function table() {
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), { ppid: Number(f[1]), pgid: Number(f[2]), start: f[19], comm });
    } catch {
      /* ended meanwhile */
    }
  }
  return out;
}

function descendants(procs, root) {
  const kids = new Map();
  for (const [pid, p] of procs) {
    if (!kids.has(p.ppid)) kids.set(p.ppid, []);
    kids.get(p.ppid).push(pid);
  }
  const out = [];
  const stack = [...(kids.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop();
    if (pid === process.pid) continue;
    out.push(pid);
    stack.push(...(kids.get(pid) ?? []));
  }
  return out;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

const state = { known: new Map() };
const serviceGroup = table().get(service)?.pgid;
process.on('SIGTERM', () => process.exit(0)); // the service stopped cleanly and let us go

const timer = setInterval(() => {
  const procs = table();
  if (alive(service) && procs.has(service)) {
    state.known = new Map(descendants(procs, service).map((pid) => [pid, procs.get(pid).start]));
    return;
  }
  clearInterval(timer);
  for (const [pid, start] of state.known)
    if (procs.get(pid)?.start === start)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  // Started after the last look: orphans now (re-parented away from any node process), so an
  // ffmpeg of another live node process sharing the group (a parent test runner) is spared.
  for (const [pid, p] of procs) {
    const orphan = procs.get(p.ppid)?.comm !== 'node';
    if (
      serviceGroup !== undefined &&
      p.pgid === serviceGroup &&
      orphan &&
      (p.comm === 'ffmpeg' || p.comm === 'ffprobe')
    )
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  }
  process.exit(0);
}, POLL_MS);
