import { relative } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Refuses a sweep in which two images (two cells, or a LoRA image and its weight-0 image) are the same file
 * content. Every image of a sweep comes from different settings, so identical bytes mean the generation or the
 * file naming went wrong (a LoRA that was not applied, one file copied to two names), and scoring them would
 * measure no difference where the design expects one.
 */
export function refuseIdenticalImages(images: { path: string }[], shas: Map<string, string>, root: string): void {
  const bySha = new Map<string, string[]>();
  for (const { path } of images) {
    const sha = shas.get(path);
    if (!sha) continue;
    const same = bySha.get(sha);
    if (same) {
      if (!same.includes(path)) same.push(path);
    } else bySha.set(sha, [path]);
  }
  const groups = [...bySha.entries()].filter(([, paths]) => paths.length > 1);
  if (groups.length === 0) return;
  const shown = groups
    .slice(0, 3)
    .map(([sha, paths]) => `${paths.map((p) => relative(root, p)).join(', ')} (sha256 ${sha.slice(0, 12)}…)`)
    .join('; ');
  const images_ = groups.reduce((n, [, paths]) => n + paths.length, 0);
  throw new UserError(
    `${images_} images of the sweep are byte-identical to another: ${shown}${groups.length > 3 ? ` and ${groups.length - 3} more group(s)` : ''}; ` +
      'images made with different settings cannot be the same file: was the LoRA applied, or was one file copied to two names?',
  );
}
