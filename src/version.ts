import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageJson(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8'));
      if (pkg.name === 'lora-eval') return pkg;
    }
    const parent = dirname(dir);
    if (parent === dir) return { name: 'lora-eval', version: '0.0.0' };
    dir = parent;
  }
}

export const TOOL_VERSION = findPackageJson().version;

/**
 * The commit of the git checkout holding `dir`, when there is one. Asynchronous, so that a run can ask at its start,
 * while the process is small and cheap to fork, and read the answer when it writes run.json.
 */
export function gitSha(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 5000 }, (error, stdout) => resolve(error ? undefined : String(stdout).trim() || undefined));
  });
}
