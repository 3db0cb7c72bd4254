/**
 * A checkpoint or LoRA name that stands for two files (a model updated under its old file name, a LoRA retrained
 * on another base and saved over the first, two folders holding a "model.safetensors") would pool the images of two
 * models into one level. The hashes the generators record tell them apart; such a folder is refused.
 */
import { relative } from 'node:path';
import { UserError } from '../errors.js';
import type { Placed } from './place-image.js';

/** Hashes are compared only within one kind: one tool and one length (A1111's old 8-hex model hash and its 10-hex sha256 prefix are different functions of the same file). */
type Recorded = { kind: string; hash: string; file: string };

function firstConflict(byName: Map<string, Recorded[]>): { name: string; a: Recorded; b: Recorded } | undefined {
  for (const [name, seen] of byName) {
    for (let i = 0; i < seen.length; i++)
      for (let j = i + 1; j < seen.length; j++) if (seen[i].kind === seen[j].kind && seen[i].hash !== seen[j].hash) return { name, a: seen[i], b: seen[j] };
  }
  return undefined;
}

/** One entry per distinct hash of each name, with the first file that recorded it. */
function hashesByName(entries: { name: string; hash: string | undefined; tool: string; file: string }[]): Map<string, Recorded[]> {
  const byName = new Map<string, Recorded[]>();
  for (const { name, hash, tool, file } of entries) {
    const h = hash?.trim().toLowerCase();
    if (!h) continue;
    const kind = `${tool}:${h.length}`;
    const seen = byName.get(name) ?? [];
    if (!seen.some((s) => s.kind === kind && s.hash === h)) seen.push({ kind, hash: h, file });
    byName.set(name, seen);
  }
  return byName;
}

/** Refuses a target (checkpoint) or studied LoRA whose images record two different hashes of the same kind. */
export function refuseNamesOfTwoFiles(placed: Placed[], sweepDir: string): void {
  const rel = (file: string) => relative(sweepDir, file) || file;
  const target = firstConflict(
    hashesByName(placed.map((p) => ({ name: p.target, hash: p.record.generation.checkpointHash, tool: p.record.generation.source, file: p.record.path }))),
  );
  if (target) {
    throw new UserError(
      `target ${target.name}: the images were made with two checkpoints of that name (model hash ${target.a.hash} in ${rel(target.a.file)}, ` +
        `${target.b.hash} in ${rel(target.b.file)}); their scores would be pooled as one target: give each checkpoint its own name and regenerate, or ingest their images apart`,
    );
  }
  const lora = firstConflict(
    hashesByName(placed.filter((p) => p.lora).map((p) => ({ name: p.lora!, hash: p.loraHash, tool: p.record.generation.source, file: p.record.path }))),
  );
  if (lora) {
    throw new UserError(
      `LoRA ${lora.name}: the images were made with two LoRA files of that name (hash ${lora.a.hash} in ${rel(lora.a.file)}, ` +
        `${lora.b.hash} in ${rel(lora.b.file)}); their scores would be pooled as one LoRA and one base: give each LoRA file its own name and regenerate, or ingest their images apart`,
    );
  }
}
