import { availableParallelism } from 'node:os';
import type { Device } from './session.js';

/**
 * onnxruntime intra-op threads: what was asked for, else every core on the CPU (inference is the bulk of the work),
 * and onnxruntime's own choice with CUDA (only operators the GPU lacks run on the CPU).
 */
export function inferenceThreads(device: Device, requested?: number, cores = availableParallelism()): number | undefined {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`threads must be a positive integer, got ${requested}`);
    return requested;
  }
  return device === 'cpu' ? cores : undefined;
}

/**
 * Image decoding and preprocessing workers: the cores inference leaves over (at least one, which then shares a core
 * with inference: decoding costs a few percent of a ViT's inference per image); every core with CUDA.
 */
export function preprocessingWorkers(device: Device, threads: number | undefined, cores = availableParallelism()): number {
  if (device === 'cuda') return cores;
  return Math.max(1, cores - (threads ?? cores));
}
