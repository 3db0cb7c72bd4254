// CPU time per image of each stage of scoring, one stage at a time over the same sample, through lora-eval's own
// functions (the built library in dist/) called as score's decoding workers call them: read, sha256, the header check,
// decoding (to packed RGB, once for every model), CLIP preprocessing from the decoded pixels, the detail measure,
// inference (batches through the CLIP model), and storing vectors. CPU time is the whole process's (every thread), so a stage
// that uses several threads is charged for all of them. Prints one JSON line, with the first embeddings.
// Usage: node stages.mjs <model folder> <file listing image paths> <batch> <scratch folder>
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

const [dir, listFile, batchArg, scratch] = process.argv.slice(2);
const batch = Number(batchArg);
const paths = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
const lib = (file) => import(new URL(`../../dist/src/${file}`, import.meta.url).href);
const { loadClip } = await lib('index.js');
const { sha256 } = await lib('store/hash.js');
const { readImageHeader, decodeFromHeader } = await lib('imaging/decode.js');
const { detailOf } = await lib('imaging/detail.js');
const { Store } = await lib('store/store.js');

// As in score's decoding workers: one libvips thread per operation, no operation cache.
sharp.concurrency(1);
sharp.cache(false);
const clip = await loadClip(dir);
const stages = {};
/** Runs `work` over the sample and records CPU and wall milliseconds per image. */
async function stage(name, work) {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const result = await work();
  const cpu = process.cpuUsage(cpu0);
  stages[name] = { cpuMsPerImage: (cpu.user + cpu.system) / 1000 / paths.length, wallMsPerImage: (performance.now() - t) / paths.length };
  return result;
}
const inBatches = async (items, size, fn) => {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await fn(items.slice(i, i + size))));
  return out;
};

// One image after another within a stage, except where scoring itself works on a batch at once.
// One image through every step first, so that no stage is charged for starting libvips or for compiling code.
{
  const warm = await readImageHeader(readFileSync(paths[0]), { path: paths[0] });
  const image = await decodeFromHeader(warm, { opaqueAsRgb: true });
  await clip.preprocessor.preprocess(image);
  await detailOf(image);
  sha256(warm.bytes);
}
const bytes = await stage('read', () => inBatches(paths, 1, (p) => Promise.all(p.map((f) => readFile(f)))));
const shas = await stage('sha256', async () => bytes.map((b) => sha256(b)));
const headers = await stage('header', async () => {
  const out = [];
  for (const [i, b] of bytes.entries()) out.push(await readImageHeader(b, { path: paths[i] }));
  return out;
});
const decoded = await stage('decode', () => inBatches(headers, 1, (h) => Promise.all(h.map((x) => decodeFromHeader(x, { opaqueAsRgb: true })))));
const tensors = await stage('preprocess', () => inBatches(decoded, 1, (d) => Promise.all(d.map((x) => clip.preprocessor.preprocess(x)))));
await stage('detail', () => inBatches(decoded, 1, (d) => Promise.all(d.map((x) => detailOf(x)))));
await clip.encodeImages(tensors.slice(0, batch)); // first run allocates; not the steady cost
const vectors = await stage('inference', () => inBatches(tensors, batch, (t) => clip.encodeImages(t)));
const store = new Store(join(scratch, 'stages.sqlite'));
await stage('store', async () => {
  for (let i = 0; i < vectors.length; i += batch)
    store.putVectors(
      vectors.slice(i, i + batch).map((vector, j) => ({ contentSha: shas[i + j], modelSha: 'bench', prepHash: clip.preprocessor.hash, vector })),
    );
});
store.close();
await clip.release();
const first = vectors.slice(0, 4).map((v, i) => ({ path: paths[i], vector: Array.from(v) }));
console.log(JSON.stringify({ images: paths.length, batch, stages, first }));
