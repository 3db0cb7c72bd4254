import { readFile } from 'node:fs/promises';
import { decodeImage, ImageDecodeError } from '../imaging/decode.js';
import { sha256 } from '../store/hash.js';
import type { Store } from '../store/store.js';
import type { Failure } from './failures.js';
import type { ImageEncoder } from './image-encoder.js';
import type { Progress } from './progress.js';

export interface ImageFile {
  path: string;
  /** Sweep key, for failures. */
  key?: string;
}

export interface EncodedImages {
  /** path → sha256 of its bytes, for every file that could be read. */
  shas: Map<string, string>;
  /** encoder model → image sha → vector. */
  vectors: Map<string, Map<string, Float32Array>>;
  failures: Failure[];
  /** Images that went through decoding and inference in this run (the rest came from the store). */
  computed: number;
  cached: number;
}

interface Prepared {
  sha: string;
  /** One tensor per encoder that still needs this image. */
  tensors: (Float32Array | undefined)[];
}

export interface EncodeOptions {
  batchSize?: number;
  /** Stop at the first failure instead of recording it and going on. */
  strict?: boolean;
  maxPixels?: number;
}

/**
 * Reads, decodes, preprocesses and encodes images in batches. Decoding of the next batch overlaps inference
 * of the current one, at most two batches are held at once, and each batch's vectors are committed to the store
 * in one transaction before the next starts.
 */
export async function encodeImages(files: ImageFile[], encoders: ImageEncoder[], store: Store, progress: Progress, options: EncodeOptions = {}): Promise<EncodedImages> {
  const result: EncodedImages = { shas: new Map(), vectors: new Map(encoders.map((e) => [e.model, new Map()])), failures: [], computed: 0, cached: 0 };
  const fail = (f: Failure) => {
    if (options.strict) throw new Error(`${f.file}: ${f.reason}`);
    result.failures.push(f);
  };

  // First pass: hash every file and take what the store already has.
  progress.start('hashing', files.length);
  const todo: { file: ImageFile; bytes?: Buffer; sha: string; needs: boolean[] }[] = [];
  const seenSha = new Set<string>();
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file.path);
    } catch (e) {
      fail({ file: file.path, image: file.key, stage: 'read', reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      progress.advance();
      continue;
    }
    const sha = sha256(bytes);
    result.shas.set(file.path, sha);
    if (seenSha.has(sha)) {
      progress.advance();
      continue;
    }
    seenSha.add(sha);
    const needs = encoders.map((enc) => {
      const cached = store.vector(sha, enc.modelSha, enc.prepHash);
      if (cached) result.vectors.get(enc.model)!.set(sha, cached);
      return !cached;
    });
    if (needs.some(Boolean)) todo.push({ file, sha, needs });
    else result.cached++;
    progress.advance();
  }
  progress.stop();
  if (todo.length === 0) return result;

  const batchSize = Math.max(1, options.batchSize ?? Math.min(...encoders.map((e) => e.maxBatch), 16));
  const batches: (typeof todo)[] = [];
  for (let i = 0; i < todo.length; i += batchSize) batches.push(todo.slice(i, i + batchSize));

  const prepare = async (batch: typeof todo): Promise<Prepared[]> => {
    const prepared = await Promise.all(
      batch.map(async (item): Promise<Prepared | undefined> => {
        try {
          const decoded = await decodeImage(item.file.path, { maxPixels: options.maxPixels });
          return { sha: item.sha, tensors: await Promise.all(encoders.map((enc, i) => (item.needs[i] ? enc.preprocess(decoded) : undefined))) };
        } catch (e) {
          const reason = e instanceof ImageDecodeError ? e.reason : String((e as Error)?.message ?? e);
          fail({ file: item.file.path, image: item.file.key, stage: 'decode', reason });
          return undefined;
        }
      }),
    );
    return prepared.filter((p): p is Prepared => p !== undefined);
  };

  progress.start('encoding', todo.length);
  let next = prepare(batches[0]);
  for (let b = 0; b < batches.length; b++) {
    const prepared = await next;
    if (b + 1 < batches.length) next = prepare(batches[b + 1]);
    const rows: { contentSha: string; modelSha: string; prepHash: string; vector: Float32Array }[] = [];
    for (const [i, enc] of encoders.entries()) {
      const items = prepared.filter((p) => p.tensors[i] !== undefined);
      for (let start = 0; start < items.length; start += enc.maxBatch) {
        const chunk = items.slice(start, start + enc.maxBatch);
        const vectors = await enc.encode(chunk.map((p) => p.tensors[i]!));
        chunk.forEach((p, j) => {
          result.vectors.get(enc.model)!.set(p.sha, vectors[j]);
          rows.push({ contentSha: p.sha, modelSha: enc.modelSha, prepHash: enc.prepHash, vector: vectors[j] });
        });
      }
    }
    store.putVectors(rows);
    result.computed += prepared.length;
    progress.advance(batches[b].length);
  }
  progress.stop();
  return result;
}
