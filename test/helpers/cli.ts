import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Runs the lora-eval CLI from source, as a user would run the installed binary. */
export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: options.timeoutMs ?? 240_000,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}
