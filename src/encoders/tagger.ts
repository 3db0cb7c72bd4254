import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import * as ort from 'onnxruntime-node';
import type { Resampler } from '../imaging/resize.js';
import { taggerPreprocessor, type TaggerPreprocessor } from '../imaging/tagger-preprocess.js';
import { modelFolderId } from '../models/hf-cache.js';
import { ModelLoadError } from '../runtime/errors.js';
import { checkDeclaredRows, rowsOfOutput, type RowsExpectation } from '../runtime/output-shape.js';
import { fixedBatch, formatShape, openSession, type Device } from '../runtime/session.js';
import { BatchBuffer } from './batch-buffer.js';

/** Tag categories of selected_tags.csv. */
export const TagCategory = { general: 0, character: 4, rating: 9 } as const;

export interface TagInfo {
  id: string;
  name: string;
  category: number;
  count: number;
}

export interface TaggerModel {
  id: string;
  dir: string;
  modelFile: string;
  tags: TagInfo[];
  size: number;
  preprocessor: TaggerPreprocessor;
  /** 1 for v2 exports, whose batch is fixed at 1. */
  maxBatch: number;
  /** Sigmoid probabilities, one per tag, for a batch of preprocessed HWC tensors. */
  encode(batch: Float32Array[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

const REQUIRED_COLUMNS = ['tag_id', 'name', 'category', 'count'];

/** Reads selected_tags.csv (tag_id,name,category,count), naming the file, line and column of any problem. */
export function readSelectedTags(file: string): TagInfo[] {
  if (!existsSync(file)) throw new ModelLoadError(file, 'selected_tags.csv not found (the tagger needs its tag list)');
  let records: string[][];
  try {
    records = parse(readFileSync(file, 'utf8'), { skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw new ModelLoadError(file, `not valid CSV: ${(e as Error).message}`);
  }
  if (records.length < 2) throw new ModelLoadError(file, 'no tags: expected a header and one row per tag');
  const header = records[0].map((h) => h.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new ModelLoadError(
      file,
      `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; expected header ${REQUIRED_COLUMNS.join(',')}, found ${header.join(',')}`,
    );
  }
  const col = Object.fromEntries(REQUIRED_COLUMNS.map((c) => [c, header.indexOf(c)]));
  return records.slice(1).map((r, i) => {
    const line = i + 2;
    if (r.length !== header.length) throw new ModelLoadError(file, `line ${line}: expected ${header.length} fields, found ${r.length}`);
    const category = Number(r[col.category]);
    const count = Number(r[col.count]);
    if (!Number.isInteger(category)) throw new ModelLoadError(file, `line ${line}: category "${r[col.category]}" is not an integer`);
    if (!Number.isFinite(count)) throw new ModelLoadError(file, `line ${line}: count "${r[col.count]}" is not a number`);
    return { id: r[col.tag_id], name: r[col.name], category, count };
  });
}

/**
 * Loads a SmilingWolf WD14 tagger folder (model.onnx + selected_tags.csv). The input name, image size and batch
 * size come from the model; the tag list must match its output width.
 */
export async function loadTagger(dir: string, options: { device?: Device; threads?: number; resampler?: Resampler } = {}): Promise<TaggerModel> {
  if (!existsSync(dir)) throw new ModelLoadError(dir, 'tagger folder not found');
  const modelFile = join(dir, 'model.onnx');
  const tagsFile = join(dir, 'selected_tags.csv');
  const tags = readSelectedTags(tagsFile);
  const { session, signature } = await openSession(modelFile, options);
  const input = signature.inputs.find((i) => i.type === 'float32' && i.shape.length === 4);
  if (!input || signature.inputs.length !== 1) {
    const found = signature.inputs.map((i) => `${i.name} ${i.type} ${formatShape(i.shape)}`).join(', ');
    throw new ModelLoadError(modelFile, `expected one float32 NHWC image input [batch,H,W,3]; found ${found}`);
  }
  const [, h, w, c] = input.shape;
  if (c !== 3 || typeof h !== 'number' || typeof w !== 'number' || h !== w) {
    throw new ModelLoadError(
      modelFile,
      `input "${input.name}" should be float32 [batch,size,size,3] with a fixed square size (NHWC, BGR); found ${formatShape(input.shape)}`,
    );
  }
  const output = signature.outputs[0];
  if (!output) throw new ModelLoadError(modelFile, 'the model has no outputs');
  const declaredWidth = output.shape[output.shape.length - 1];
  if (output.shape.length === 2 && typeof declaredWidth === 'number' && declaredWidth !== tags.length) {
    throw new ModelLoadError(
      tagsFile,
      `lists ${tags.length} tags but ${basename(modelFile)} outputs ${declaredWidth} probabilities per image (output "${output.name}" ${formatShape(output.shape)})`,
    );
  }
  const rows: RowsExpectation = {
    file: modelFile,
    output: output.name,
    width: tags.length,
    what: 'row of tag probabilities',
    because: `${basename(tagsFile)} lists ${tags.length} tags`,
  };
  checkDeclaredRows(output, rows);
  const preprocessor = taggerPreprocessor(h, { resampler: options.resampler });
  const batchBuffer = new BatchBuffer();
  return {
    id: modelFolderId(dir),
    dir,
    modelFile,
    tags,
    size: h,
    preprocessor,
    maxBatch: fixedBatch(input) ?? 8,
    async encode(batch) {
      const size = h * w * 3;
      const data = batchBuffer.take(batch.length * size);
      batch.forEach((t, i) => data.set(t, i * size));
      const out = await session.run({ [input.name]: new ort.Tensor('float32', data, [batch.length, h, w, 3]) }, [output.name]);
      return rowsOfOutput(out[output.name] as ort.Tensor, batch.length, rows);
    },
    release: () => session.release(),
  };
}
