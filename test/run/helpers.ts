import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeTree } from '../helpers/tmp.js';

export const ROOT = resolve(__dirname, '../..');
export const DEMO = resolve(ROOT, 'fixtures/demo');
export const CLIP = resolve(ROOT, 'fixtures/models/clip');
export const TAGGER = resolve(ROOT, 'fixtures/models/tagger-v3');
/** tsx by its file, so that the CLI also starts from a folder outside the repository. */
export const TSX = pathToFileURL(resolve(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/**
 * A sweep of real fixture images in `dir`: one base, one target, weights 0 and 1, five prompts, two seeds (20 images).
 * `target` picks which demo target's pictures fill the same relative paths, so two sweeps can share every path.
 */
export function smallSweep(dir: string, target: 'anything' | 'counterfeit' = 'anything', options: { longNames?: boolean } = {}): string {
  // Long level names (they appear twice in every row: as the level and inside the image path) make a larger scores.csv.
  const [b, t] = options.longNames ? ['anylora' + 'x'.repeat(240), 'anything' + 'y'.repeat(240)] : ['anylora', 'anything'];
  writeTree(dir, {
    'sweep.yaml': `name: small
lora: { trigger: anisphia, description: a girl with blonde hair and green eyes, concept_tags: [blonde_hair], references: refs }
factors: { base: [${b}], target: [${t}], weight: [0, 1] }
prompts:
  - { id: portrait, kind: concept, text: "anisphia, 1girl, smile" }
  - { id: garden, kind: concept, text: "anisphia, 1girl, outdoors, garden" }
  - { id: closeup, kind: concept, text: "anisphia, close-up" }
  - { id: cafe, kind: unrelated, text: "a cafe interior, no humans" }
  - { id: house, kind: unrelated, text: "a house, no humans" }
seeds: [1, 2]
images: { template: "{base}/{target}/w{weight}/{prompt}-{seed}.png", native: "native/{target}/{prompt}-{seed}.png" }
`,
  });
  cpSync(join(DEMO, 'refs'), join(dir, 'refs'), { recursive: true });
  for (const prompt of ['portrait', 'garden', 'closeup', 'cafe', 'house']) {
    for (let seed = 1; seed <= 2; seed++) {
      cpSync(join(DEMO, `anylora/${target}/w1/${prompt}-${seed}.png`), join(dir, `${b}/${t}/w1/${prompt}-${seed}.png`));
      cpSync(join(DEMO, `native/${target}/${prompt}-${seed}.png`), join(dir, `native/${t}/${prompt}-${seed}.png`));
    }
  }
  return join(dir, 'sweep.yaml');
}

/** Runs the CLI from source through bash, so a test can set limits (`ulimit -f`) for the lora-eval process only. */
export function cliUnder(shellPrefix: string, args: string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
  const run = spawnSync('bash', ['-c', `${shellPrefix}\nexec "$0" --import "${TSX}" "${resolve(ROOT, 'src/cli/main.ts')}" "$@"`, process.execPath, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 240_000,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}
