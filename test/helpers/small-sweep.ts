import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir, writeTree } from './tmp.js';

const DEMO = resolve(__dirname, '../../fixtures/demo');

export interface SmallPrompt {
  id: string;
  kind: 'concept' | 'unrelated' | 'style';
  text: string;
}

export const PORTRAIT: SmallPrompt = { id: 'portrait', kind: 'concept', text: 'anisphia, 1girl, smile' };
export const OUTDOORS: SmallPrompt = { id: 'outdoors', kind: 'concept', text: 'anisphia, a girl standing outdoors' };
export const GARDEN: SmallPrompt = { id: 'garden', kind: 'concept', text: 'anisphia, 1girl, outdoors, garden' };

/**
 * A small sweep of real demo images in a fresh folder: base anylora, target anything, weights 0 and 1, the given demo
 * prompts (default portrait and outdoors) and seeds 1 and 2, with the demo's reference images. Returns the folder.
 */
export function smallDemoSweep(prompts: SmallPrompt[] = [PORTRAIT, OUTDOORS], dir = tempDir()): string {
  const promptList = prompts.map((p) => `{ id: ${p.id}, kind: ${p.kind}, text: ${JSON.stringify(p.text)} }`).join(', ');
  writeTree(dir, {
    'sweep.yaml': `name: small
lora: { trigger: anisphia, description: a girl with blonde hair and green eyes, concept_tags: [blonde_hair], references: refs }
factors: { base: [anylora], target: [anything], weight: [0, 1] }
prompts: [${promptList}]
seeds: [1, 2]
images: { template: "{base}/{target}/w{weight}/{prompt}-{seed}.png", native: "native/{target}/{prompt}-{seed}.png" }
`,
  });
  cpSync(join(DEMO, 'refs'), join(dir, 'refs'), { recursive: true });
  for (const prompt of prompts) {
    for (const seed of [1, 2]) {
      cpSync(join(DEMO, `anylora/anything/w1/${prompt.id}-${seed}.png`), join(dir, `anylora/anything/w1/${prompt.id}-${seed}.png`));
      cpSync(join(DEMO, `native/anything/${prompt.id}-${seed}.png`), join(dir, `native/anything/${prompt.id}-${seed}.png`));
    }
  }
  return dir;
}
