import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadPlan, LoadResult } from './mqtt-load';

const generator = join(__dirname, 'mqtt-load.js');

/** Runs the MQTT load generator (its own process) on `cpu`; resolves with its result and the server's peak RSS. */
export async function runLoad(
  plan: LoadPlan,
  workDir: string,
  cpu: string,
): Promise<LoadResult & { maxRssMb: number }> {
  const pid = plan.serverPid;
  const file = join(workDir, `plan-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(plan));
  let maxRssMb = 0;
  const sampler = setInterval(() => {
    if (pid) maxRssMb = Math.max(maxRssMb, rssMb(pid));
  }, 200);
  try {
    const { stdout } = await promisify(execFile)('taskset', ['-c', cpu, process.execPath, generator, file], {
      maxBuffer: 1 << 20,
      timeout: 600_000,
    });
    return { ...(JSON.parse(stdout) as LoadResult), maxRssMb };
  } finally {
    clearInterval(sampler);
  }
}

/** Resident memory of a process, in MB (from /proc). */
export function rssMb(pid: number): number {
  return residentMb(pid).rss;
}

/**
 * A process's resident memory in MB: all of it; `anon`, its own (heap, stacks, malloc'd memory); `file`, pages of
 * mapped files (the executable, libraries, memory-mapped databases), which the kernel may drop and read again.
 */
export function residentMb(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}
