import { UserError } from '../errors.js';
import { cardRepo, type ModelCard } from './registry.js';

/** A model named by card id or Hugging Face repository, with the revision asked for. */
export interface ModelName {
  /** What the user typed, without the revision. */
  name: string;
  card?: ModelCard;
  /** "org/name"; undefined for a card of a model that is made locally, not pulled. */
  repo?: string;
  /** Branch, tag or commit; "main" unless given. */
  revision: string;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Splits "name@revision"; a card id or org/repo is a name, anything else (a path) is not. */
export function parseModelName(input: string, cards: ModelCard[], revision?: string): ModelName | undefined {
  const at = input.lastIndexOf('@');
  const name = at > 0 ? input.slice(0, at) : input;
  const inline = at > 0 ? input.slice(at + 1) : undefined;
  if (inline !== undefined && revision !== undefined && inline !== revision)
    throw new UserError(`${input}: the revision is given twice ("@${inline}" and --revision ${revision})`);
  const rev = inline ?? revision ?? 'main';
  if (rev === '' || rev.startsWith('/') || rev.split('/').includes('..') || /[\\\s]/.test(rev))
    throw new UserError(`${input}: "${rev}" is not a branch, tag or commit`);
  const card = cards.find((c) => c.id === name) ?? cards.find((c) => cardRepo(c) === name);
  if (card) return { name, card, repo: cardRepo(card), revision: rev };
  if (REPO_ID.test(name)) return { name, repo: name, revision: rev };
  return undefined;
}

function withVariant(file: string, variant: string | undefined): string {
  return variant && variant !== 'fp32' && file.endsWith('.onnx') ? `${file.slice(0, -'.onnx'.length)}_${variant}.onnx` : file;
}

/** The files of a card, with its .onnx files in the variant asked for ("fp32" or none: the plain files). */
export function cardFiles(card: ModelCard, variant?: string): string[] {
  if (variant && variant !== 'fp32' && !(card.variants ?? []).includes(variant)) {
    const known = ['fp32', ...(card.variants ?? [])].join(', ');
    throw new UserError(`--variant ${variant}: the card ${card.id} lists the variants ${known}`);
  }
  return card.files.map((f) => withVariant(f, variant));
}

const CLIP_EXTRAS = ['config.json', 'tokenizer_config.json', 'special_tokens_map.json'];

/**
 * The files lora-eval's loaders read from a repository that has no card, chosen from its file list:
 * a WD14 tagger (model.onnx + selected_tags.csv), a CLIP export (split or combined ONNX, tokenizer, preprocessor),
 * a CCIP repository (<model>/model_feat.onnx, model_metrics.onnx, metrics.json; imgutils' default model when there
 * are several) or a DINOv2 export (onnx/model.onnx + preprocessor_config.json, no tokenizer).
 */
export function loaderFiles(files: string[], variant?: string): { kind: 'clip' | 'tagger' | 'ccip' | 'image-encoder'; files: string[] } | undefined {
  const has = new Set(files);
  const onnx = (stem: string) => [`onnx/${withVariant(`${stem}.onnx`, variant)}`, withVariant(`${stem}.onnx`, variant)].find((f) => has.has(f));
  if (has.has('selected_tags.csv') && has.has('model.onnx')) return { kind: 'tagger', files: ['model.onnx', 'selected_tags.csv'] };
  const ccipModels = files
    .filter((f) => /^[^/]+\/model_feat\.onnx$/.test(f))
    .map((f) => f.split('/')[0])
    .filter((m) => has.has(`${m}/model_metrics.onnx`) && has.has(`${m}/metrics.json`));
  const ccipModel = ccipModels.length === 1 ? ccipModels[0] : ccipModels.find((m) => m === 'ccip-caformer-24-randaug-pruned');
  if (ccipModel) return { kind: 'ccip', files: ['model_feat.onnx', 'model_metrics.onnx', 'metrics.json'].map((f) => `${ccipModel}/${f}`) };
  if (!has.has('preprocessor_config.json')) return undefined;
  const single = onnx('model');
  if (!has.has('tokenizer.json') && single)
    return { kind: 'image-encoder', files: [single, 'preprocessor_config.json', ...(has.has('config.json') ? ['config.json'] : [])] };
  if (!has.has('tokenizer.json')) return undefined;
  const [vision, text, combined] = [onnx('vision_model'), onnx('text_model'), onnx('model')];
  const weights = vision && text ? [vision, text] : combined ? [combined] : undefined;
  if (!weights) return undefined;
  return { kind: 'clip', files: [...weights, 'preprocessor_config.json', 'tokenizer.json', ...CLIP_EXTRAS.filter((f) => has.has(f))] };
}

/** The command that downloads a model, as the user should type it. */
export function pullCommand(model: ModelName, variant?: string): string {
  return ['lora-eval models pull', model.name, model.revision !== 'main' ? `--revision ${model.revision}` : '', variant ? `--variant ${variant}` : '']
    .filter(Boolean)
    .join(' ');
}
