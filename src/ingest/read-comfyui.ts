/**
 * ComfyUI's `prompt` PNG text: the API graph { nodeId: { class_type, inputs } }, where an input is
 * a literal or a link [sourceNodeId, outputIndex]. The sampler that made the image is found by walking
 * back from the SaveImage node through decoders and image links to the nearest sampler: with a hires or
 * refiner pass that is the last pass, whose seed, steps and checkpoint the picture shows. From that
 * sampler we walk upstream: `model` through LoRA loaders to the checkpoint loader, `positive`/`negative`
 * to the text encoders, the latent chain to its size, `clip` to CLIPSetLastLayer (clip skip).
 */
import { numberOrUndefined, seedString, type GenerationInfo, type LoraUse, type SamplerPass } from './generation.js';
import { parseJsonExact } from './json-exact.js';

interface ComfyNode {
  class_type: string;
  inputs: Record<string, unknown>;
}
type Graph = Map<string, ComfyNode>;

type Link = [string, number];

function asLink(value: unknown): Link | undefined {
  if (Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') && typeof value[1] === 'number') {
    return [String(value[0]), value[1]];
  }
  return undefined;
}

function toGraph(data: unknown): Graph {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('the prompt graph is not a JSON object of nodes');
  const graph: Graph = new Map();
  for (const [id, node] of Object.entries(data as Record<string, unknown>)) {
    if (!node || typeof node !== 'object') continue;
    const n = node as { class_type?: unknown; inputs?: unknown };
    if (typeof n.class_type !== 'string') continue;
    graph.set(id, { class_type: n.class_type, inputs: n.inputs && typeof n.inputs === 'object' ? (n.inputs as Record<string, unknown>) : {} });
  }
  if (graph.size === 0) throw new Error('the prompt graph has no nodes with a class_type');
  return graph;
}

const isSampler = (n: ComfyNode) => /KSampler|SamplerCustom/i.test(n.class_type) && ('model' in n.inputs || 'guider' in n.inputs);
const isOutput = (n: ComfyNode) => /^(SaveImage|PreviewImage)$|Save.*Image|Image.*Save/i.test(n.class_type);
const LATENT_INPUTS = ['latent_image', 'samples', 'samples_to', 'samples_from', 'latent', 'pixels', 'images', 'image'];

/** Every node id upstream of `start` (inclusive), following all links. */
function ancestors(graph: Graph, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || !graph.has(id)) continue;
    seen.add(id);
    for (const v of Object.values(graph.get(id)!.inputs)) {
      const link = asLink(v);
      if (link) stack.push(link[0]);
    }
  }
  return seen;
}

/** Samplers reached from `start` through latent and image links, nearest first, not looking past a sampler. */
function samplersUpstream(graph: Graph, start: string, includeStart = false): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const queue: string[] = [start];
  while (queue.length) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = graph.get(id);
    if (!node) continue;
    if (isSampler(node) && (id !== start || includeStart)) {
      found.push(id);
      continue;
    }
    for (const key of LATENT_INPUTS) {
      const link = asLink(node.inputs[key]);
      if (link) queue.push(link[0]);
    }
  }
  return found;
}

/** Every sampler whose output flows into `samplerId`'s latent (its earlier passes), and itself. */
function lineage(graph: Graph, samplerId: string): Set<string> {
  const out = new Set<string>([samplerId]);
  const stack = [samplerId];
  while (stack.length) {
    for (const up of samplersUpstream(graph, stack.pop()!)) {
      if (!out.has(up)) {
        out.add(up);
        stack.push(up);
      }
    }
  }
  return out;
}

/** A literal input value, following a link to a primitive-like node when needed. */
function literal(graph: Graph, value: unknown, keys: string[], depth = 0): unknown {
  const link = asLink(value);
  if (!link) return value;
  if (depth > 8) return undefined;
  const node = graph.get(link[0]);
  if (!node) return undefined;
  for (const key of keys) {
    if (key in node.inputs) return literal(graph, node.inputs[key], keys, depth + 1);
  }
  return undefined;
}

const TEXT_KEYS = ['text', 'text_g', 'string', 'value', 'prompt', 'text_positive'];

/** Texts of the encoders upstream of a conditioning input, in graph order. */
function conditioningTexts(graph: Graph, value: unknown): string[] {
  const texts: string[] = [];
  const seen = new Set<string>();
  const visit = (v: unknown) => {
    const link = asLink(v);
    if (!link || seen.has(link[0])) return;
    seen.add(link[0]);
    const node = graph.get(link[0]);
    if (!node) return;
    if (/TextEncode/i.test(node.class_type)) {
      const main = literal(graph, node.inputs.text ?? node.inputs.text_g ?? node.inputs.prompt, TEXT_KEYS);
      if (typeof main === 'string') texts.push(main);
      const local = literal(graph, node.inputs.text_l, TEXT_KEYS);
      if (typeof local === 'string' && local !== main && local.trim() !== '') texts.push(local);
      return;
    }
    for (const input of Object.values(node.inputs)) visit(input);
  };
  visit(value);
  return texts;
}

interface ModelChain {
  checkpoint?: string;
  loras: LoraUse[];
}

/** Walks `model` links from the sampler up to the checkpoint loader, collecting LoRA loaders on the way. */
function modelChain(graph: Graph, value: unknown): ModelChain {
  const chain: ModelChain = { loras: [] };
  const seen = new Set<string>();
  let link = asLink(value);
  while (link && !seen.has(link[0])) {
    seen.add(link[0]);
    const node = graph.get(link[0]);
    if (!node) break;
    const inputs = node.inputs;
    if (typeof inputs.lora_name === 'string') {
      const weight = numberOrUndefined(literal(graph, inputs.strength_model ?? inputs.strength ?? inputs.lora_strength, ['value', 'float']));
      // A loader without a clip input (LoraLoaderModelOnly) leaves the text encoder without the LoRA.
      const clipWeight = 'clip' in inputs ? numberOrUndefined(literal(graph, inputs.strength_clip, ['value', 'float'])) : 0;
      chain.loras.unshift({
        name: inputs.lora_name,
        weight: weight ?? 1,
        clipWeight: clipWeight !== undefined && clipWeight !== weight ? clipWeight : undefined,
        via: 'loader-node',
      });
    }
    const ckpt = literal(graph, inputs.ckpt_name ?? inputs.unet_name ?? inputs.model_name, ['value', 'ckpt_name']);
    if (typeof ckpt === 'string' && !('model' in inputs)) {
      chain.checkpoint = ckpt;
      break;
    }
    link = asLink(inputs.model);
  }
  return chain;
}

/** Clip skip from a CLIPSetLastLayer upstream of the text encoders (stop_at_clip_layer -2 → clip skip 2). */
function clipSkip(graph: Graph, conditioning: unknown): number | undefined {
  for (const id of ancestors(graph, asLink(conditioning)?.[0] ?? '')) {
    const node = graph.get(id)!;
    if (node.class_type === 'CLIPSetLastLayer') {
      const layer = numberOrUndefined(literal(graph, node.inputs.stop_at_clip_layer, ['value', 'int']));
      if (layer !== undefined) return -layer;
    }
  }
  return undefined;
}

/** Pixel size of the latent a sampler works on: empty latents, upscales and composites along its latent chain. */
function latentSize(graph: Graph, samplerId: string): [number, number] | undefined {
  const sizeOf = (value: unknown, depth: number): [number, number] | undefined => {
    const link = asLink(value);
    const node = link && graph.get(link[0]);
    if (!node || depth > 64) return undefined;
    const w = numberOrUndefined(literal(graph, node.inputs.width, ['value', 'int']));
    const h = numberOrUndefined(literal(graph, node.inputs.height, ['value', 'int']));
    if (/EmptyLatentImage|EmptySD3LatentImage|LatentUpscale$/.test(node.class_type)) return w && h ? [w, h] : undefined;
    if (/LatentUpscaleBy/.test(node.class_type)) {
      const by = numberOrUndefined(literal(graph, node.inputs.scale_by, ['value', 'float']));
      const from = sizeOf(node.inputs.samples, depth + 1);
      return by && from ? [Math.round(from[0] * by), Math.round(from[1] * by)] : undefined;
    }
    for (const key of LATENT_INPUTS) {
      if (key in node.inputs) {
        const size = sizeOf(node.inputs[key], depth + 1);
        if (size) return size;
      }
    }
    return undefined;
  };
  const sampler = graph.get(samplerId)!;
  return sizeOf(sampler.inputs.latent_image ?? sampler.inputs.latent, 0);
}

/** A sampler that continues another's denoising without adding noise (KSamplerAdvanced add_noise: disable). */
const addsNoNoise = (n: ComfyNode) => n.inputs.add_noise === 'disable' || n.inputs.add_noise === false;

/** The sampler that made the saved picture, and what a user should know about how it was chosen. */
function producingSampler(graph: Graph, samplers: string[], imageSize?: [number, number]): { id: string; warnings: string[] } {
  const outputs = [...graph.entries()].filter(([, n]) => isOutput(n)).sort(([a], [b]) => compareIds(a, b));
  const saving = outputs.filter(([, n]) => !/Preview/i.test(n.class_type));
  const producedBy = (list: typeof outputs) => [...new Set(list.map(([id]) => samplersUpstream(graph, id)[0]).filter((x): x is string => x !== undefined))];
  let candidates = producedBy(saving);
  if (candidates.length === 0) candidates = producedBy(outputs);
  if (candidates.length === 1) return { id: candidates[0], warnings: [] };
  if (candidates.length === 0) {
    // No output node leads to a sampler: take the last pass, a sampler no other sampler continues from.
    const fed = new Set(samplers.flatMap((id) => [...lineage(graph, id)].filter((x) => x !== id)));
    const last = samplers.filter((id) => !fed.has(id));
    const id = (last.length ? last : samplers)[0];
    return { id, warnings: [`no SaveImage node leads to a sampler; node ${id}, a last pass, is taken as the one that made the image`] };
  }
  // Several saved images share this graph; the file's own size can tell which one it is.
  const bySize = imageSize ? candidates.filter((id) => sameSize(latentSize(graph, id), imageSize)) : [];
  if (bySize.length === 1) return { id: bySize[0], warnings: [] };
  return {
    id: candidates[0],
    warnings: [
      `the graph saves images from ${candidates.length} samplers (nodes ${candidates.join(', ')}) and does not record which one this file is; node ${candidates[0]} (the first SaveImage's) is used`,
    ],
  };
}

const sameSize = (a: [number, number] | undefined, b: [number, number]) => a !== undefined && a[0] === b[0] && a[1] === b[1];

function passOf(graph: Graph, id: string): SamplerPass {
  const inputs = graph.get(id)!.inputs;
  const size = latentSize(graph, id);
  return {
    node: id,
    type: graph.get(id)!.class_type,
    seed: seedString(literal(graph, inputs.seed ?? inputs.noise_seed, ['seed', 'noise_seed', 'value', 'int', 'number'])),
    steps: numberOrUndefined(literal(graph, inputs.steps, ['value', 'int'])),
    cfg: numberOrUndefined(literal(graph, inputs.cfg, ['value', 'float'])),
    sampler: typeof inputs.sampler_name === 'string' ? inputs.sampler_name : undefined,
    denoise: numberOrUndefined(literal(graph, inputs.denoise, ['value', 'float'])),
    checkpoint: modelChain(graph, inputs.model).checkpoint,
    width: size?.[0],
    height: size?.[1],
  };
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
}

/**
 * Reads the `prompt` graph text of a ComfyUI PNG. `imageSize` (the file's width and height) tells apart
 * the passes of a graph that saves an image after each.
 */
export function generationFromComfyPrompt(text: string, imageSize?: [number, number]): GenerationInfo {
  const graph = toGraph(parseJsonExact(text));
  const samplers = [...graph.entries()]
    .filter(([, n]) => isSampler(n))
    .map(([id]) => id)
    .sort(compareIds);
  if (samplers.length === 0) throw new Error('the ComfyUI graph has no sampler node (KSampler, KSamplerAdvanced, SamplerCustom)');
  const produced = producingSampler(graph, samplers, imageSize);
  const warnings = [...produced.warnings];
  const chosen = produced.id;
  const passes = samplers.map((id) => passOf(graph, id));
  if (samplers.length > 1) {
    warnings.push(
      `the graph has ${samplers.length} samplers (nodes ${samplers.join(', ')}); seed, steps, cfg, prompt and checkpoint come from node ${chosen}, the pass that made the saved image`,
    );
  }
  const sampler = graph.get(chosen)!;
  const inputs = sampler.inputs;
  // A sampler that adds no noise continues an earlier one's: the seed is that sampler's.
  const noiseFrom = addsNoNoise(sampler)
    ? (samplersUpstream(graph, chosen)
        .sort(compareIds)
        .find((id) => !addsNoNoise(graph.get(id)!)) ?? chosen)
    : chosen;
  if (noiseFrom !== chosen) warnings.push(`node ${chosen} adds no noise; the seed is that of node ${noiseFrom}, whose denoising it continues`);
  const noiseInputs = graph.get(noiseFrom)!.inputs;
  const rawSeed = literal(graph, noiseInputs.seed ?? noiseInputs.noise_seed, ['seed', 'noise_seed', 'value', 'int', 'number']);
  const chain = modelChain(graph, inputs.model);
  // LoRAs of earlier passes shape the picture too (a refiner pass often loads none).
  const loras = [...chain.loras];
  for (const id of [...lineage(graph, chosen)].sort(compareIds)) {
    if (id === chosen) continue;
    for (const lora of modelChain(graph, graph.get(id)!.inputs.model).loras) {
      const same = loras.find((l) => l.name === lora.name);
      if (!same) loras.push(lora);
      else if (same.weight !== lora.weight)
        warnings.push(`LoRA ${lora.name} has weight ${same.weight} in node ${chosen} and ${lora.weight} in node ${id}; ${same.weight} is used`);
    }
  }
  const checkpoints = new Set<string>();
  for (const pass of passes) if (pass.checkpoint) checkpoints.add(pass.checkpoint);
  if (checkpoints.size > 1)
    warnings.push(
      `the graph loads ${checkpoints.size} checkpoints (${[...checkpoints].join(', ')}); the target is ${chain.checkpoint ?? 'unknown'}, node ${chosen}'s`,
    );
  const positive = conditioningTexts(graph, inputs.positive);
  const negative = conditioningTexts(graph, inputs.negative);
  const size = latentSize(graph, chosen);
  const params: Record<string, string> = { 'Sampler node': `${chosen} (${sampler.class_type})` };
  for (const [k, v] of Object.entries(inputs)) {
    if (!asLink(v) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')) params[k] = String(v);
  }
  return {
    source: 'comfyui',
    prompt: positive.join('\n'),
    negativePrompt: negative.join('\n') || undefined,
    seed: seedString(rawSeed),
    steps: numberOrUndefined(literal(graph, inputs.steps, ['value', 'int'])),
    cfg: numberOrUndefined(literal(graph, inputs.cfg, ['value', 'float'])),
    sampler: typeof inputs.sampler_name === 'string' ? inputs.sampler_name : undefined,
    scheduler: typeof inputs.scheduler === 'string' ? inputs.scheduler : undefined,
    width: size?.[0],
    height: size?.[1],
    checkpoint: chain.checkpoint,
    // Without CLIPSetLastLayer ComfyUI uses the last CLIP layer: clip skip 1.
    clipSkip: clipSkip(graph, inputs.positive) ?? 1,
    loras,
    passes,
    params,
    warnings,
  };
}
