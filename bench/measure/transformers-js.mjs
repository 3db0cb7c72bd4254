// The same model and images through @huggingface/transformers, as its documentation shows for image embeddings:
// AutoProcessor + CLIPVisionModelWithProjection from a local folder, RawImage.read for each file, in batches.
// Prints one JSON line with the phase times and the first embeddings (to check that both tools ran the same model).
// Usage: node transformers-js.mjs <model folder> <file listing image paths, one a line> <batch>
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AutoProcessor, CLIPVisionModelWithProjection, RawImage, env } from '@huggingface/transformers';

const [dir, listFile, batchArg] = process.argv.slice(2);
const batch = Number(batchArg);
const paths = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${dirname(dir)}/`;
const id = basename(dir);

let t = performance.now();
const processor = await AutoProcessor.from_pretrained(id);
const model = await CLIPVisionModelWithProjection.from_pretrained(id, { dtype: 'fp32', device: 'cpu' });
const loadSeconds = (performance.now() - t) / 1000;
t = performance.now();
const first = [];
for (let start = 0; start < paths.length; start += batch) {
  const images = await Promise.all(paths.slice(start, start + batch).map((p) => RawImage.read(p)));
  const { image_embeds } = await model(await processor(images));
  const [rows, width] = image_embeds.dims;
  if (rows !== images.length) throw new Error(`image_embeds has ${rows} rows for a batch of ${images.length}`);
  const data = image_embeds.data;
  for (let r = 0; r < rows && first.length < 4; r++) first.push({ path: paths[start + r], vector: Array.from(data.subarray(r * width, (r + 1) * width)) });
}
const encodeSeconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({ images: paths.length, batch, loadSeconds, encodeSeconds, first }));
