import { readFile } from 'node:fs/promises';
import type { FileHashCache } from '../store/file-hash-cache.js';
import { sha256 } from '../store/hash.js';
import type { Store } from '../store/store.js';
import { strictStop, type Failure } from './failures.js';
import type { ImageEncoder } from './image-encoder.js';
import { tensorBytes } from '../imaging/preprocess-spec.js';
import { PreparePool, PrepareWorkerStopped, type PrepareReply } from './prepare-pool.js';
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

export interface EncodeOptions {
  batchSize?: number;
  /** Stop at the first failure instead of recording it and going on. */
  strict?: boolean;
  /** Largest width × height decoded (default: decodeImage's). */
  maxPixels?: number;
  /** Remembers the sha256 of unchanged files, so that images whose vectors are all stored are not read. */
  hashes?: FileHashCache;
  /** Worker threads that decode and preprocess (default 1); started only when an image must be decoded. */
  workers?: number;
  /**
   * Work for this thread while the workers prepare the first batch (e.g. encoding the prompts), run once before the
   * first inference, so that it does not leave a core idle at the start or at the end of the run.
   */
  whilePreparing?: () => Promise<void>;
}

/**
 * Tensor bytes handed to the decoding workers before the first inference. Creating the sessions and encoding the
 * prompts hold this thread for a second or more; a ViT-B/32's worth of 224² images this size keeps a worker busy
 * about as long. At most MAX_STARTUP_IMAGES, at least one batch.
 */
const STARTUP_TENSOR_BYTES = 96 * 2 ** 20;
const MAX_STARTUP_IMAGES = 256;

/** A batch after reading, hashing and preprocessing: one tensor per encoder that still needs the image. */
interface PreparedImage {
  sha: string;
  tensors: (Float32Array | undefined)[];
}

/**
 * Reads, hashes, decodes, preprocesses and encodes images in batches. Each file is read once; images whose
 * vectors the store already holds are not decoded. Decoding and preprocessing run in worker threads, so that the
 * next batch is prepared while this thread runs inference on the current one. At most two batches are in memory,
 * except for the tensors handed out at the start (STARTUP_TENSOR_BYTES); each batch's vectors are committed to the
 * store in one transaction before the next batch is encoded.
 */
export async function encodeImages(
  files: ImageFile[],
  encoders: ImageEncoder[],
  store: Store,
  progress: Progress,
  options: EncodeOptions = {},
): Promise<EncodedImages> {
  const result: EncodedImages = { shas: new Map(), vectors: new Map(encoders.map((e) => [e.model, new Map()])), failures: [], computed: 0, cached: 0 };
  const fail = (f: Failure) => {
    if (options.strict) throw strictStop(f);
    result.failures.push(f);
  };
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const claimed = new Set<string>();
  let pool: PreparePool | undefined;
  const preprocessed = (path: string, bytes: Buffer, needs: boolean[]): Promise<PrepareReply> => {
    pool ??= new PreparePool(
      encoders.map((e) => e.preprocessing),
      options.workers ?? 1,
    );
    return pool.prepare(path, bytes, needs, options.maxPixels);
  };

  /** Resolves once the batch's images are handed to the workers, with a promise of their tensors. */
  const prepare = async (batch: ImageFile[]): Promise<{ done: Promise<PreparedImage[]> }> => {
    const todo: { file: ImageFile; bytes: Buffer; sha: string; needs: boolean[] }[] = [];
    const readFailed = (file: ImageFile, e: NodeJS.ErrnoException) =>
      fail({ file: file.path, image: file.key, stage: 'read', reason: `cannot read: ${e.code ?? e.message}` });
    // A file whose sha256 is cached and whose vectors are all in the store is not read at all.
    const known = batch.map((file) => {
      try {
        return { file, ...options.hashes?.lookup(file.path) };
      } catch (e) {
        return { file, error: e as NodeJS.ErrnoException };
      }
    });
    // One store query per encoder for the whole batch, not one per image and encoder.
    const storedFor = (shas: string[]) => encoders.map((enc) => store.vectors(shas, enc.modelSha, enc.prepHash));
    const needsOf = (sha: string, stored: Map<string, Float32Array>[]) =>
      encoders.map((enc, i) => {
        const cached = stored[i].get(sha);
        if (cached) result.vectors.get(enc.model)!.set(sha, cached);
        return !cached;
      });
    const knownStored = storedFor(known.flatMap((k) => ('sha256' in k && k.sha256 && !claimed.has(k.sha256) ? [k.sha256] : [])));
    const toRead: typeof known = [];
    for (const k of known) {
      if ('error' in k && k.error) {
        readFailed(k.file, k.error);
        continue;
      }
      if (k.sha256 && claimed.has(k.sha256)) {
        // The same bytes under two paths are encoded once, by the path that claimed them.
        result.shas.set(k.file.path, k.sha256);
        continue;
      }
      if (k.sha256 && !needsOf(k.sha256, knownStored).some(Boolean)) {
        result.shas.set(k.file.path, k.sha256);
        claimed.add(k.sha256);
        result.cached++;
      } else toRead.push(k);
    }
    const read = await Promise.all(
      toRead.map((k) =>
        readFile(k.file.path).then(
          (bytes) => ({ ...k, bytes, sha: sha256(bytes) }),
          (e: NodeJS.ErrnoException) => ({ ...k, readError: e }),
        ),
      ),
    );
    const readStored = storedFor(read.flatMap((r) => ('sha' in r ? [r.sha] : [])));
    for (const r of read) {
      if ('readError' in r) {
        readFailed(r.file, r.readError);
        continue;
      }
      const sha = r.sha;
      if (options.hashes && 'stamp' in r && r.stamp) options.hashes.remember(r.file.path, r.stamp, sha);
      result.shas.set(r.file.path, sha);
      // The same bytes under two paths are encoded once.
      if (claimed.has(sha)) continue;
      claimed.add(sha);
      const needs = needsOf(sha, readStored);
      if (needs.some(Boolean)) todo.push({ file: r.file, bytes: r.bytes, sha, needs });
      else result.cached++;
    }
    const replies = todo.map((t) =>
      preprocessed(t.file.path, t.bytes, t.needs).then(
        (reply) => reply,
        // The images a crashed worker held are recorded as failures; a pool that keeps crashing stops the run.
        (e: Error): PrepareReply => {
          if (e instanceof PrepareWorkerStopped) return { id: -1, error: { decode: false, reason: e.message } };
          throw e;
        },
      ),
    );
    const done = Promise.all(replies).then((all) => {
      const prepared: PreparedImage[] = [];
      all.forEach((reply, i) => {
        const t = todo[i];
        if (reply.tensors) prepared.push({ sha: t.sha, tensors: reply.tensors });
        else fail({ file: t.file.path, image: t.file.key, stage: 'decode', reason: failureReason(reply.error!) });
      });
      return prepared;
    });
    return { done };
  };

  const batches: ImageFile[][] = [];
  for (let i = 0; i < files.length; i += batchSize) batches.push(files.slice(i, i + batchSize));
  progress.start('scoring', files.length);
  try {
    // Batches handed to the workers and not yet encoded, oldest first: the first few while the sessions are created
    // (STARTUP_TENSOR_BYTES), then one batch prepared while the current one is encoded.
    const ahead: { done: Promise<PreparedImage[]> }[] = [];
    let handed = 0;
    const handNext = async () => {
      const next = await prepare(batches[handed++]);
      // Handled when awaited; this keeps a --strict failure in a later batch from surfacing as an unhandled rejection.
      next.done.catch(() => undefined);
      ahead.push(next);
    };
    const perImage = encoders.reduce((sum, e) => sum + tensorBytes(e.preprocessing), 0);
    const startupImages = Math.min(MAX_STARTUP_IMAGES, Math.floor(STARTUP_TENSOR_BYTES / Math.max(1, perImage)));
    const startup = Math.max(1, Math.floor(startupImages / batchSize));
    while (handed < Math.min(startup, batches.length)) await handNext();
    await options.whilePreparing?.();
    for (let b = 0; b < batches.length; b++) {
      const prepared = await ahead.shift()!.done;
      // The next batch is read, hashed and handed to the workers before inference holds this thread.
      if (ahead.length === 0 && handed < batches.length) await handNext();
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
      if (rows.length) store.putVectors(rows);
      result.computed += prepared.length;
      progress.advance(batches[b].length);
    }
  } finally {
    await pool?.close();
  }
  progress.stop();
  return result;
}

function failureReason(error: NonNullable<PrepareReply['error']>): string {
  // The limit guards memory; an image known to be fine can be let through.
  return error.code === 'too-large' ? `${error.reason}; raise the limit with --max-pixels` : error.reason;
}
