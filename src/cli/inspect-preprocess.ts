import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeImage, ImageDecodeError, type DecodedImage } from '../imaging/decode.js';
import type { Resampler } from '../imaging/resize.js';
import { resolveModelOption } from '../models/resolve-model.js';
import { UserError } from './errors.js';

export type PreprocessModelOption = 'model' | 'clip' | 'tagger' | 'encoder' | 'ccip';

export interface InspectPreprocess {
  option: PreprocessModelOption;
  model: string;
  image: string;
  maxPixels?: number;
  resampler: Resampler;
}

/** The option a folder that --model cannot read belongs to: DINOv2 and CCIP folders are told apart by their files. */
function otherKind(dir: string): string | undefined {
  const ccipFolder = (d: string) => existsSync(join(d, 'model_feat.onnx'));
  if (ccipFolder(dir) || (existsSync(dir) && readdirSync(dir).some((name) => ccipFolder(join(dir, name))))) return '--ccip (a CCIP model)';
  const config = join(dir, 'preprocessor_config.json');
  if (existsSync(config) && /"image_processor_type"\s*:\s*"BitImageProcessor"/.test(readFileSync(config, 'utf8')) && !existsSync(join(dir, 'tokenizer.json')))
    return '--encoder (a DINOv2 model)';
  return undefined;
}

/** One image decoded as `score` decodes it; an image over the pixel limit names the option that raises it. */
export async function decodeForInspection(image: string, maxPixels: number | undefined): Promise<DecodedImage> {
  try {
    return await decodeImage(resolve(image), { maxPixels });
  } catch (e) {
    if (e instanceof ImageDecodeError && e.code === 'too-large') throw new UserError(`${e.path}: ${e.reason}; raise the limit with --max-pixels`);
    throw e;
  }
}

/**
 * The float32 tensor a model receives for one image and its shape with the batch dimension, through the same
 * loaders, decoding limit and resampler as `score`.
 */
export async function preprocessForInspection(p: InspectPreprocess): Promise<{ data: Float32Array; shape: number[] }> {
  const flag = `--${p.option}` as const;
  const dir = resolve(resolveModelOption(p.model, flag));
  const loadOptions = { resampler: p.resampler };
  let kind = p.option;
  if (p.option === 'model') {
    const other = otherKind(dir);
    if (other) throw new UserError(`--model ${p.model}: takes a CLIP or tagger model; pass this folder with ${other}`);
    kind = existsSync(join(dir, 'selected_tags.csv')) ? 'tagger' : 'clip';
  }
  const decoded = await decodeForInspection(p.image, p.maxPixels);
  if (kind === 'tagger') {
    const { loadTagger } = await import('../encoders/tagger.js');
    const tagger = await loadTagger(dir, loadOptions);
    try {
      return { data: await tagger.preprocessor.preprocess(decoded), shape: [1, tagger.size, tagger.size, 3] };
    } finally {
      await tagger.release();
    }
  }
  const { loadClip } = await import('../encoders/clip.js');
  const { loadDinov2 } = await import('../encoders/dinov2.js');
  const { loadCcip } = await import('../encoders/ccip.js');
  const model = kind === 'encoder' ? await loadDinov2(dir, loadOptions) : kind === 'ccip' ? await loadCcip(dir, loadOptions) : await loadClip(dir, loadOptions);
  try {
    return { data: await model.preprocessor.preprocess(decoded), shape: [1, ...model.preprocessor.inputShape] };
  } finally {
    await model.release();
  }
}
