/** What the numbers were measured on: CPU, cores, memory, load, and the versions of the runtime pieces. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

/** Version of a package as installed in the project's node_modules (what the CLI and the measurements load). */
function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Logical CPUs this process may run on (the cgroup quota, where one is set, can be lower than os.cpus()). */
function usableCores(): number {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota !== 'max') return Math.min(cpus().length, Math.ceil(Number(quota) / Number(period)));
  } catch {
    // no cgroup v2 quota
  }
  return cpus().length;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  onnxruntime: string;
  sharp: string;
  transformersJs: string;
  loraEvalCommit: string | undefined;
}

export function describeMachine(root: string): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: usableCores(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    onnxruntime: packageVersion(root, 'onnxruntime-node'),
    sharp: packageVersion(root, 'sharp'),
    transformersJs: packageVersion(root, '@huggingface/transformers'),
    loraEvalCommit: gitCommit(),
  };
}

/** 1-minute load average: other work on the machine while the benchmark ran. */
export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}
