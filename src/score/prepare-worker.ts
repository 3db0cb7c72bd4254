/**
 * Worker thread of the PreparePool: decodes an image's bytes once and runs the preprocessors that still need it,
 * and sends the tensors back (their buffers transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { preprocessImage } from '../imaging/prepare-image.js';
import { ImageDecodeError } from '../imaging/decode.js';
import { preprocessorFromSpec, type PreprocessSpec } from '../imaging/preprocess-spec.js';
import type { PrepareReply, PrepareTask } from './prepare-pool.js';

// One libvips thread per operation, so that the pool's size sets the parallelism, and no operation cache (every image
// is new). Both settings are libvips' own, so they hold for the whole process from here on.
sharp.concurrency(1);
sharp.cache(false);

const port = parentPort!;
const preprocessors = (workerData as { specs: PreprocessSpec[] }).specs.map(preprocessorFromSpec);

async function run(task: PrepareTask): Promise<PrepareReply> {
  try {
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    const wanted = preprocessors.map((p, i) => (task.needs[i] ? p : undefined));
    const tensors = await preprocessImage(bytes, wanted, { path: task.path, maxPixels: task.maxPixels });
    return { id: task.id, tensors };
  } catch (e) {
    if (e instanceof ImageDecodeError) return { id: task.id, error: { decode: true, code: e.code, reason: e.reason } };
    return { id: task.id, error: { decode: false, reason: String((e as Error)?.message ?? e) } };
  }
}

/**
 * Images prepared at once: while one image's JavaScript steps run on this thread, the other's decoding runs in
 * libvips, so a worker can use two cores when inference leaves them idle. More would only hold more images in memory.
 */
const CONCURRENT_IMAGES = 2;
const queue: PrepareTask[] = [];
let running = 0;

async function drain(): Promise<void> {
  running++;
  for (let task = queue.shift(); task; task = queue.shift()) {
    const reply = await run(task);
    const transfer = reply.tensors?.flatMap((t) => (t ? [t.buffer as ArrayBuffer] : [])) ?? [];
    port.postMessage(reply, transfer);
  }
  running--;
}

port.on('message', (task: PrepareTask) => {
  queue.push(task);
  if (running < CONCURRENT_IMAGES) void drain();
});
