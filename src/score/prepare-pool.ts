/**
 * A pool of worker threads that decode and preprocess images, so that this thread stays free to run inference
 * (onnxruntime's run holds the JavaScript thread for a whole batch) while the next batch is prepared.
 */
import { Worker } from 'node:worker_threads';
// sharp must be loaded by the main thread before worker threads load it, so that its shared libraries stay loaded.
import 'sharp';
import type { ImageDecodeErrorCode } from '../imaging/decode-error.js';
import type { PreprocessSpec } from '../imaging/preprocess-spec.js';

export interface PrepareTask {
  id: number;
  path: string;
  bytes: Uint8Array;
  /** which of the pool's preprocessors to run, by position */
  needs: boolean[];
  maxPixels?: number;
}

export interface PrepareReply {
  id: number;
  /** one tensor per preprocessor, undefined where not needed */
  tensors?: (Float32Array | undefined)[];
  error?: { decode: boolean; code?: ImageDecodeErrorCode; reason: string };
}

/** A preprocessing worker stopped (crashed or ran out of memory) while it held this image. */
export class PrepareWorkerStopped extends Error {
  constructor(reason: string) {
    super(`image preprocessing worker stopped (${reason}) while it held this image`);
    this.name = 'PrepareWorkerStopped';
  }
}

/** Worker restarts allowed before the pool refuses all further work. */
const MAX_RESTARTS = 3;

interface Slot {
  worker: Worker;
  inFlight: Set<number>;
}

interface Pending {
  resolve: (reply: PrepareReply) => void;
  reject: (error: Error) => void;
  slot: Slot;
}

export class PreparePool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private restarts = 0;
  private closing = false;
  private broken: Error | undefined;

  constructor(
    private readonly specs: PreprocessSpec[],
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`preprocessing pool size must be a positive integer, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Decodes `bytes` and runs the needed preprocessors in a worker; the bytes' buffer may be transferred. */
  prepare(path: string, bytes: Uint8Array, needs: boolean[], maxPixels?: number): Promise<PrepareReply> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closing) return Promise.reject(new Error('preprocessing pool is closed'));
    // The least busy worker; equal-sized images make this round robin.
    const slot = this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
    const id = this.nextId++;
    // A Buffer may share its memory with others (Node's pool): only a buffer it owns alone is transferred.
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const data = owned ? bytes : bytes.slice();
    const task: PrepareTask = { id, path, bytes: data, needs, maxPixels };
    return new Promise<PrepareReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.inFlight.add(id);
      slot.worker.ref();
      slot.worker.postMessage(task, [data.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = import.meta.url.endsWith('.ts')
      ? // Sources run as TypeScript (tests, tsx) load the worker through tsx too, resolved from here rather than from the
        // working directory, which need not have tsx.
        new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(new URL('./prepare-worker.ts', import.meta.url).href)}, import.meta.url))`,
          {
            eval: true,
            workerData: { specs: this.specs },
          },
        )
      : new Worker(new URL('./prepare-worker.js', import.meta.url), { workerData: { specs: this.specs } });
    const slot: Slot = { worker, inFlight: new Set() };
    let stopReason: string | undefined;
    worker.on('message', (reply: PrepareReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      slot.inFlight.delete(reply.id);
      if (slot.inFlight.size === 0) slot.worker.unref();
      p.resolve(reply);
    });
    worker.on('error', (err) => {
      stopReason = err.message.split('\n')[0];
    });
    worker.on('exit', (code) => {
      if (this.closing) return;
      this.replace(slot, stopReason ?? `exit code ${code}`);
    });
    // An idle pool must not keep the process alive; a busy one does.
    worker.unref();
    return slot;
  }

  /** Fails the images a stopped worker held, and starts another in its place (or refuses all further work). */
  private replace(slot: Slot, reason: string): void {
    const error = new PrepareWorkerStopped(reason);
    for (const id of slot.inFlight) {
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.reject(error);
    }
    slot.inFlight.clear();
    const index = this.slots.indexOf(slot);
    if (++this.restarts > MAX_RESTARTS) {
      this.broken = new Error(`image preprocessing workers stopped ${this.restarts} times (last: ${reason}); refusing to go on`);
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(this.broken);
      }
      return;
    }
    if (index >= 0) this.slots[index] = this.spawn();
  }

  /** Stops one worker as a crash would (for tests of the recovery). */
  crashOneWorkerForTest(): Promise<number> {
    return this.slots[0].worker.terminate();
  }
}
