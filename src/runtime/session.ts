import { existsSync, statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
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

export interface LoadedSession {
  session: ort.InferenceSession;
  signature: ModelSignature;
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
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, {
      executionProviders: executionProviders(device),
      graphOptimizationLevel: 'all',
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    });
  } catch (e) {
    const message = String((e as Error).message ?? e).split('\n')[0];
    const hint = device === 'cuda' && /cuda/i.test(message) ? ' (is onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12?)' : '';
    throw new ModelLoadError(file, `onnxruntime cannot load it: ${message}${hint}`);
  }
  return { session, signature: { file, inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) } };
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
