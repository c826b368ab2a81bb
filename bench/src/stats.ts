import { readdir, readFile } from 'node:fs/promises';

/** Percentiles of a sample, in the sample's unit. */
export function percentiles(values: number[]): { p50: number; p95: number; p99: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), n: sorted.length };
}

/** Peak resident memory (VmHWM) of a process, in MiB, from /proc. */
export async function peakMemoryMiB(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : null;
}

// /proc counts CPU time in clock ticks of USER_HZ, which Linux fixes at 100 for user space.
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (field 3, the state, is index 0); null once it has gone. */
async function statFields(pid: number): Promise<string[] | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : null;
}

/** CPU seconds (user + system) a process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const f = await statFields(pid);
  if (!f) throw new Error(`process ${pid} has gone`);
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
}

/**
 * CPU seconds a process and every descendant have used so far: the children it has already
 * reaped are in its cutime/cstime, the running ones are read one by one. Two readings' difference
 * is the tree's CPU in between, even as children come and go.
 */
export async function treeCpuSeconds(pid: number): Promise<number> {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = await statFields(Number(name));
    if (!f) continue;
    parents.set(Number(name), Number(f[1]));
    ticks.set(Number(name), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
  }
  let total = 0;
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    total += ticks.get(tree[i]!) ?? 0;
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return total / TICKS_PER_SECOND;
}

/** The machine's CPU time so far, all cores, in seconds: busy (everything but idle and iowait), stolen by the hypervisor, and in all. */
export async function machineCpu(): Promise<{ busy: number; steal: number; total: number }> {
  const [, ...f] = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / TICKS_PER_SECOND, steal: steal / TICKS_PER_SECOND, total: (busy + idle + iowait) / TICKS_PER_SECOND };
}

/** CPU seconds the whole machine has been busy (all cores, everything but idle and iowait), from /proc/stat. */
export async function machineBusySeconds(): Promise<number> {
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  return (await machineCpu()).busy;
}
