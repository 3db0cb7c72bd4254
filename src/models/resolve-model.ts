import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { cachedCommit, snapshotDir } from './hf-cache.js';
import { filesInSnapshot } from './snapshot-files.js';
import { hubEnv } from './hub-env.js';
import { parseModelName, pullCommand } from './model-name.js';
import { readCards, registryFile } from './registry.js';

export type ModelOption = '--clip' | '--tagger' | '--encoder' | '--ccip' | '--model';

/** The card kind each option takes; `--model` (inspect) takes either. */
const KIND: Record<ModelOption, string | undefined> = {
  '--clip': 'clip',
  '--tagger': 'tagger',
  '--encoder': 'image-encoder',
  '--ccip': 'ccip',
  '--model': undefined,
};

/**
 * The folder a model option names: a folder as given, or a card id / "org/name[@revision]" looked up in the
 * Hugging Face cache (never the network, so it works offline once pulled). A name that is not in the cache
 * stops with the exact `lora-eval models pull` command that fetches it.
 */
export function resolveModelOption(value: string, option: ModelOption, variant?: string, env: Record<string, string | undefined> = process.env): string {
  if (existsSync(value)) return value;
  const model = parseModelName(value, readCards());
  // Not a name: a folder that does not exist, which the loader reports.
  if (!model) return value;
  if (model.card && KIND[option] && model.card.kind !== KIND[option])
    throw new UserError(`${option} ${value}: the card ${model.card.id} is a ${model.card.kind} model, not a ${KIND[option]} model`);
  if (!model.repo) {
    // A card for a model made in this repository (fixtures): its folder beside the registry.
    const folder = resolve(dirname(registryFile()), '..', model.card!.source.split(' ')[0]);
    if (existsSync(folder)) return folder;
    throw new UserError(`${option} ${value}: ${model.card!.source}; the folder ${folder} is missing`);
  }
  const { cacheDir } = hubEnv(env);
  const commit = cachedCommit(cacheDir, model.repo, model.revision);
  const snapshot = commit && snapshotDir(cacheDir, model.repo, commit);
  const found = snapshot ? filesInSnapshot(model, snapshot, variant) : undefined;
  if (snapshot && found && found.missing.length === 0) return snapshot;
  const missing = found ? ` (missing ${found.missing.join(', ')})` : '';
  throw new UserError(
    `${option} ${value}: ${model.repo}@${model.revision} is not in the Hugging Face cache ${cacheDir}${missing}; download it with: ${pullCommand(model, variant)}`,
  );
}
