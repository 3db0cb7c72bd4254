import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs the lora-eval CLI from source without blocking this process, so that a server in the test (the Hub
 * stand-in) can answer it. The child is killed after timeoutMs.
 */
export function runCliAsync(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 180_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: ROOT,
      env: Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: '1', ...env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}
