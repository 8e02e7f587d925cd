// The machine's process table (Linux /proc), to prove that no trainer outlives the worker or loop that
// started it: tests look for command lines containing their own unique temp paths.
import * as fs from 'node:fs';

export interface ProcessEntry {
  pid: number;
  commandLine: string;
}

/**
 * Live processes whose command line (or, with `field: 'environ'`, environment: a marker variable the test
 * set) contains `needle`; zombies, already dead, are left out.
 */
export function processesMatching(needle: string, field: 'cmdline' | 'environ' = 'cmdline'): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const commandLine = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const haystack = field === 'cmdline' ? commandLine : fs.readFileSync(`/proc/${name}/environ`, 'utf8');
      if (!haystack.includes(needle)) continue;
      const state = /^State:\s+(\w)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1];
      if (state !== 'Z') found.push({ pid: Number(name), commandLine });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Waits until no live process matches `needle`; returns those still alive at the deadline. */
export async function waitForNoProcess(
  needle: string,
  timeoutMs: number,
  field: 'cmdline' | 'environ' = 'cmdline',
): Promise<ProcessEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesMatching(needle, field);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}
