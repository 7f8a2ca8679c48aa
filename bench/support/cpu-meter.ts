import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU seconds a process has used so far (Linux /proc; 0 where it cannot be read). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
  } catch {
    return 0;
  }
}

/** Busy share of all CPUs from now until the returned function is called (Linux /proc/stat). */
export function machineMeter(): () => number {
  const read = (): { busy: number; total: number } => {
    const ticks = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    return { busy: total - ticks[3] - ticks[4], total }; // idle and iowait are not busy
  };
  const before = read();
  return () => {
    const after = read();
    return (after.busy - before.busy) / Math.max(1, after.total - before.total);
  };
}

export function pidOf(name: string): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-o', '-x', name], { encoding: 'utf8' }).trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** The database server's and the broker's processes, for the parts a benchmark charges them. */
export const databasePid = (): number | undefined => pidOf('mariadbd') ?? pidOf('mysqld');
export const brokerPid = (): number | undefined => pidOf('beam.smp');

/** CPU used by each part from now until the returned function is called. */
export function cpuMeter(
  parts: Record<string, () => Array<number | undefined>>,
): () => Record<string, number> {
  const read = (): Record<string, number> =>
    Object.fromEntries(
      Object.entries(parts).map(([name, pids]) => [
        name,
        pids().reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0),
      ]),
    );
  const before = read();
  return () => {
    const after = read();
    return Object.fromEntries(Object.keys(parts).map((name) => [name, after[name] - before[name]]));
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The value below which `share` (0–1) of the values lie (nearest rank). */
export function percentile(values: number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))];
}
