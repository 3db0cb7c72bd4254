// The model's own speed: one onnxruntime session (onnxruntime's defaults, all graph optimizations, as lora-eval opens
// it) running batches of ready pixel tensors. Prints one JSON line.
// Usage: node raw-session.mjs <vision_model.onnx> <images> <batch> [intra-op threads (default: onnxruntime's)]
import * as ort from 'onnxruntime-node';

const [file, imagesArg, batchArg, threadsArg] = process.argv.slice(2);
const images = Number(imagesArg);
const batch = Number(batchArg);
const threads = threadsArg === undefined ? undefined : Number(threadsArg);
if (!file || !(images > 0) || !(batch > 0) || (threads !== undefined && !(threads > 0)))
  throw new Error('usage: raw-session.mjs <vision_model.onnx> <images> <batch> [intra-op threads]');

let t = performance.now();
const session = await ort.InferenceSession.create(file, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  ...(threads ? { intraOpNumThreads: threads } : {}),
});
const loadS = (performance.now() - t) / 1000;
const input = session.inputMetadata.find((m) => m.name === 'pixel_values');
const [, c, h, w] = input.shape;
const size = c * h * w;
// Values in the range of CLIP-normalized pixels; the cost of the model does not depend on them.
let state = 12345;
const tensorOf = (n) => {
  const data = new Float32Array(n * size);
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = (state / 4294967296) * 4 - 2;
  }
  return new ort.Tensor('float32', data, [n, c, h, w]);
};
const full = [tensorOf(batch), tensorOf(batch)];
const last = images % batch ? tensorOf(images % batch) : undefined;
await session.run({ pixel_values: full[0] }, ['image_embeds']); // first run allocates; not the steady speed

const cpu0 = process.cpuUsage();
t = performance.now();
let done = 0;
for (let b = 0; done < images; b++) {
  const tensor = images - done >= batch ? full[b % 2] : last;
  const out = await session.run({ pixel_values: tensor }, ['image_embeds']);
  if (out.image_embeds.dims[0] !== tensor.dims[0]) throw new Error(`image_embeds has ${out.image_embeds.dims[0]} rows for a batch of ${tensor.dims[0]}`);
  done += tensor.dims[0];
}
const seconds = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    images: done,
    batch,
    threads: threads ?? null,
    seconds,
    imagesPerSecond: done / seconds,
    loadSeconds: loadS,
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / done,
  }),
);
