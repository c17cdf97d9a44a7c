/**
 * `tsx scripts/bench/profile.ts <file.cpuprofile> [top]`: where a V8 CPU profile's time went.
 *
 * Prints the sampled time by where the code lives (an npm package, a project folder, Node's own
 * modules, V8's `(garbage collector)` / `(program)`), the functions with the most self time, and
 * the project functions with the most inclusive time (their callees counted). Used to find where
 * the function host's (the handlers') CPU goes: `BENCH_CPU_PROF=<dir>` makes child-pipeline.ts
 * start the host with `--cpu-prof`. Idle samples are left out: what remains is the main thread's
 * CPU (other threads, libuv's pool and V8's helpers, are not sampled). Under load a sample of
 * a runnable but descheduled thread still counts: read the shares, not the milliseconds.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package or project folder a script URL belongs to. */
export function where(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node (builtins)';
  // A project file by its path (src/pipeline/steps/segment.ts): the line numbers are tsx's output's.
  const m = /\/((?:src|functions|scripts|test)\/.*)$/.exec(url);
  return m ? m[1] : url;
}

/** Milliseconds by category, by function (self) and by project function (inclusive). */
export function summarize(p: CpuProfile) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const cat = new Map<string, number>();
  const fnSelf = new Map<string, number>();
  const incl = new Map<string, number>();
  const owner = new Map<string, number>();
  const generic = (w: string) => w === 'node (builtins)' || w.startsWith('(');
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    total += ms;
    const c = where(n.callFrame.url, n.callFrame.functionName);
    cat.set(c, (cat.get(c) ?? 0) + ms);
    const key = `${n.callFrame.functionName || '(anonymous)'} ${c}:${n.callFrame.lineNumber + 1}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + ms);
    // The owner: the nearest frame up the stack that is not Node's or V8's own (writev called
    // by s3rver's response stream belongs to s3rver); the leaf's category when there is none.
    let own = c;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const w = where(f.url, f.functionName);
      if (!generic(w)) {
        own = w;
        break;
      }
    }
    owner.set(own, (owner.get(own) ?? 0) + ms);
    // Inclusive time of each distinct project frame on the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const w = where(f.url, f.functionName);
      if (!/^(src|functions)/.test(w)) continue;
      const k = `${f.functionName || '(anonymous)'} ${w}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + ms);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: total,
    byWhere: sorted(cat),
    byOwner: sorted(owner),
    bySelf: sorted(fnSelf),
    byProjectInclusive: sorted(incl),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 15);
  const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const line = ([k, ms]: [string, number]) =>
    `  ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / s.totalMs).toFixed(1).padStart(5)} %  ${k}`;
  console.log(`sampled CPU (main thread, idle left out): ${s.totalMs.toFixed(0)} ms`);
  console.log('by where the code lives:');
  s.byWhere.slice(0, top).forEach((x) => console.log(line(x)));
  console.log('by owner (the nearest caller that is not Node or V8 itself):');
  s.byOwner.slice(0, top).forEach((x) => console.log(line(x)));
  console.log('functions, self time:');
  s.bySelf.slice(0, top).forEach((x) => console.log(line(x)));
  console.log('project functions, inclusive time:');
  s.byProjectInclusive.slice(0, top).forEach((x) => console.log(line(x)));
}
