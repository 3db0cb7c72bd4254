/** The CLI as users run it is the compiled one (bin/lora-eval.js imports dist/); compile it when a source is newer. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Returns true when it compiled. */
export function ensureBuilt(root: string, log: (line: string) => void): boolean {
  const entry = join(root, 'dist', 'src', 'cli', 'main.js');
  const sources = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'metrics')), statSync(join(root, 'tsconfig.json')).mtimeMs);
  if (existsSync(entry) && statSync(entry).mtimeMs >= sources) return false;
  log('compiling the CLI (tsc -p tsconfig.json → dist/) so that it runs as installed');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
  return true;
}
