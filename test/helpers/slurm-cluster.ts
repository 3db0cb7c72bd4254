import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

/** A single-node Slurm cluster on this machine (munged, slurmctld, slurmd), all state in one folder. */
export interface SlurmCluster {
  dir: string;
  /** Environment for the Slurm client commands (SLURM_CONF points at this cluster). */
  env: NodeJS.ProcessEnv;
  /** Runs a Slurm client command; throws with its stderr when it fails. */
  run(command: string, args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): string;
  stop(): void;
}

export interface ArrayTask {
  task: number;
  state: string;
  exitCode: string;
}

const DAEMONS = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'scontrol', 'sinfo'];
const SBIN_PATH = `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`;

function which(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { env: { ...process.env, PATH: SBIN_PATH } }).status === 0;
}

/** Why a cluster cannot be started here (Debian's slurm-wlm and munge missing, or not root); undefined when it can. */
export function slurmUnavailable(): string | undefined {
  const missing = DAEMONS.filter((d) => !which(d));
  if (missing.length) return `${missing.join(', ')} not installed (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'starting slurmctld and slurmd needs root';
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function sh(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const run = spawnSync(command, args, { cwd: options.cwd, env: { ...options.env, PATH: SBIN_PATH }, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${run.status ?? run.signal}: ${run.stderr || run.error?.message}`);
  return run.stdout;
}

/** Polls `probe` every 100 ms until it returns a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined, onTimeout: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${onTimeout()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** A daemon is not the test's child, so it may linger as a zombie until init reaps it: that counts as stopped. */
function running(pid: number): boolean {
  if (!signal(pid, 0)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Blocks until `done()` or `timeoutMs`; for the cleanup path, which must also work from a synchronous hook. */
function waitSync(timeoutMs: number, done: () => boolean): boolean {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  return true;
}

/**
 * Starts munged with its own key and socket, then slurmctld and slurmd from a minimal slurm.conf in a new temporary
 * folder, on free ports, and waits until the node is idle. The node line is this machine's own (`slurmd -C`).
 */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = tempDir('lora-eval-slurm-cluster-');
  chmodSync(dir, 0o755); // munged wants every folder above its socket to be searchable by all
  for (const sub of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
  const munge = (f: string) => join(dir, 'munge', f);
  const conf = join(dir, 'slurm.conf');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const pidFiles = [join(dir, 'slurmd.pid'), join(dir, 'slurmctld.pid'), munge('munged.pid')];
  const stop = () => {
    try {
      sh('scancel', ['--user=root'], { env });
      waitSync(10_000, () => sh('squeue', ['-h'], { env }).trim() === '');
    } catch {
      // no controller left to ask
    }
    const pids = pidFiles.filter((f) => existsSync(f)).map((f) => Number(readFileSync(f, 'utf8').trim()));
    for (const pid of pids) {
      signal(pid, 'SIGTERM');
      if (!waitSync(10_000, () => !running(pid))) signal(pid, 'SIGKILL');
    }
  };

  try {
    sh('mungekey', ['--create', `--keyfile=${munge('munge.key')}`]);
    sh('munged', [
      `--key-file=${munge('munge.key')}`,
      `--socket=${munge('munge.socket')}`,
      `--pid-file=${munge('munged.pid')}`,
      `--log-file=${munge('munged.log')}`,
      `--seed-file=${munge('munged.seed')}`,
    ]);
    const node = sh('slurmd', ['-C']).split('\n')[0];
    writeFileSync(
      conf,
      [
        'ClusterName=lora-eval-test',
        'SlurmctldHost=localhost',
        `SlurmctldPort=${await freePort()}`,
        `SlurmdPort=${await freePort()}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${munge('munge.socket')}`,
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${pidFiles[1]}`,
        `SlurmdPidFile=${pidFiles[0]}`,
        `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
        `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        'ReturnToService=2',
        'MpiDefault=none',
        `${node} NodeAddr=127.0.0.1 State=UNKNOWN`,
        'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    sh('slurmctld', ['-f', conf], { env });
    sh('slurmd', ['-f', conf], { env });
    await until(
      'the Slurm node to become idle',
      30_000,
      () => {
        const state = spawnSync('sinfo', ['-h', '-o', '%T'], { env: { ...env, PATH: SBIN_PATH }, encoding: 'utf8' }).stdout?.trim();
        return state === 'idle' ? state : undefined;
      },
      () => `; see ${join(dir, 'log')}`,
    );
  } catch (e) {
    stop();
    throw e;
  }
  return { dir, env, run: (command, args, options = {}) => sh(command, args, { cwd: options.cwd, env: { ...env, ...options.env } }), stop };
}

/** Waits until no task of an array job is pending or running, then reads each task's final state. */
export async function waitForArray(cluster: SlurmCluster, jobId: string, timeoutMs: number): Promise<ArrayTask[]> {
  await until(
    `Slurm job ${jobId}`,
    timeoutMs,
    () => (cluster.run('squeue', ['-h', '-j', jobId, '-o', '%i']).trim() === '' ? true : undefined),
    () => `; squeue: ${cluster.run('squeue', ['-j', jobId])}`,
  );
  return cluster
    .run('scontrol', ['show', 'job', '-o', jobId])
    .split('\n')
    .filter((line) => line.includes('ArrayTaskId='))
    .map((line) => {
      const field = (name: string) => new RegExp(`\\b${name}=(\\S+)`).exec(line)![1];
      return { task: Number(field('ArrayTaskId')), state: field('JobState'), exitCode: field('ExitCode') };
    })
    .sort((a, b) => a.task - b.task);
}
