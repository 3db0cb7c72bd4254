import { existsSync, statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { FileHashCache } from '../store/file-hash-cache.js';
import { ModelLoadError } from './errors.js';

export type Device = 'cpu' | 'cuda';

export interface TensorSignature {
  name: string;
  type: string;
  /** Numbers are fixed sizes; strings are named (dynamic) dimensions. */
  shape: (number | string)[];
}

export interface ModelSignature {
  file: string;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

/** The part of an onnxruntime session the encoders use; the real session may be created at the first run. */
export interface ModelSession {
  run(feeds: ort.InferenceSession.FeedsType, fetches: string[]): Promise<ort.InferenceSession.ReturnType>;
  release(): Promise<void>;
}

export interface LoadedSession {
  session: ModelSession;
  signature: ModelSignature;
}

let created = 0;

/** How many onnxruntime sessions this process has created, for tests and run.json. */
export function sessionsCreated(): number {
  return created;
}

let signatureCache: FileHashCache | undefined;

/**
 * Remember model signatures in `cache`, keyed by the model file's sha256 and the onnxruntime version, so that a model
 * whose signature is known opens without a session until something is run on it. Undefined: always create sessions.
 */
export function cacheSignaturesIn(cache: FileHashCache | undefined): void {
  signatureCache = cache;
}

export interface SessionOptions {
  device?: Device;
  /** Threads for one operator; default: onnxruntime's choice (all cores). */
  threads?: number;
}

function executionProviders(device: Device): string[] {
  return device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorSignature[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] }));
}

/** Opens an ONNX model with onnxruntime, naming the file in every failure. */
export async function openSession(file: string, options: SessionOptions = {}): Promise<LoadedSession> {
  if (!existsSync(file)) throw new ModelLoadError(file, 'model file not found');
  if (statSync(file).size === 0) throw new ModelLoadError(file, 'model file is empty');
  const device = options.device ?? 'cpu';
  const create = async (): Promise<ort.InferenceSession> => {
    try {
      const session = await ort.InferenceSession.create(file, {
        executionProviders: executionProviders(device),
        graphOptimizationLevel: 'all',
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
        // Idle operator threads sleep instead of spinning: scoring decodes images on other threads meanwhile, and spinning
        // took their CPU (bench model, 1,024 images on 2 cores: 7 % less CPU and 3 % more images/s without it).
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      created++;
      return session;
    } catch (e) {
      const message = String((e as Error).message ?? e).split('\n')[0];
      const hint = device === 'cuda' && /cuda/i.test(message) ? ' (is onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12?)' : '';
      throw new ModelLoadError(file, `onnxruntime cannot load it: ${message}${hint}`);
    }
  };
  const cache = signatureCache;
  const key = cache && `onnx-signature:${ort.env.versions.common}:${await cache.sha256(file)}`;
  const known = cache && key ? cache.derived<Omit<ModelSignature, 'file'>>(key) : undefined;
  if (known) {
    let pending: Promise<ort.InferenceSession> | undefined;
    return {
      session: {
        run: async (feeds, fetches) => (await (pending ??= create())).run(feeds, fetches),
        release: async () => {
          if (pending) await (await pending).release();
        },
      },
      signature: { file, inputs: known.inputs, outputs: known.outputs },
    };
  }
  const session = await create();
  const signature = { file, inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) };
  if (cache && key) cache.setDerived(key, { inputs: signature.inputs, outputs: signature.outputs });
  return { session, signature };
}

export function formatShape(shape: (number | string)[]): string {
  return `[${shape.join(',')}]`;
}

export function formatSignature(sig: ModelSignature): string {
  const line = (t: TensorSignature) => `  ${t.name}: ${t.type} ${formatShape(t.shape)}`;
  return [`${sig.file}`, ' inputs:', ...sig.inputs.map(line), ' outputs:', ...sig.outputs.map(line)].join('\n');
}

/** The fixed batch size of an input, or undefined when the batch dimension is dynamic. */
export function fixedBatch(input: TensorSignature): number | undefined {
  const b = input.shape[0];
  return typeof b === 'number' && b > 0 ? b : undefined;
}
