/** Runs a measured child process: its wall time from spawn to exit, and its own peak RSS and CPU time. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE_REPORTER = fileURLToPath(new URL('../measure/usage-reporter.mjs', import.meta.url));

export interface Measured {
  wallSeconds: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the process (all threads), MiB. */
  peakRssMiB: number;
  /** user + system CPU time of the process (all threads), ms. */
  cpuMs: number;
}

export class ChildFailed extends Error {
  constructor(what: string, result: Pick<Measured, 'exitCode' | 'stderr' | 'stdout'>) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
    super(`${what} exited with ${result.exitCode}:\n${tail}`);
  }
}

/** Runs `node <args>` with the usage reporter preloaded; the wall time includes Node's own start. */
export function runNode(args: string[], options: { scratch: string; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<Measured> {
  const usageFile = join(options.scratch, `usage-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  rmSync(usageFile, { force: true });
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', USAGE_REPORTER, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, LORA_EVAL_BENCH_USAGE: usageFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (!existsSync(usageFile)) {
        reject(new ChildFailed(`node ${args.join(' ')} (no usage report)`, { exitCode: code, stdout, stderr }));
        return;
      }
      const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssKiB: number; userMs: number; systemMs: number };
      rmSync(usageFile, { force: true });
      resolvePromise({ wallSeconds, exitCode: code, stdout, stderr, peakRssMiB: usage.maxRssKiB / 1024, cpuMs: usage.userMs + usage.systemMs });
    });
  });
}

/** The last line of stdout parsed as JSON (the measurement scripts print one). */
export function lastJsonLine<T>(what: string, m: Measured): T {
  if (m.exitCode !== 0) throw new ChildFailed(what, m);
  const line = m.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new ChildFailed(`${what} printed no JSON result`, m);
  }
}
