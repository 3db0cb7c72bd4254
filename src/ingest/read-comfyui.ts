/**
 * ComfyUI's `prompt` PNG text: the API graph { nodeId: { class_type, inputs } }, where an input is
 * a literal or a link [sourceNodeId, outputIndex]. From the sampler that makes the image we walk
 * upstream: `model` through LoRA loaders to the checkpoint loader, `positive`/`negative` to the
 * text encoders, `latent_image` to the empty latent (size), `clip` to CLIPSetLastLayer (clip skip).
 */
import { numberOrUndefined, seedString, type GenerationInfo, type LoraUse } from './generation.js';
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

/** Follows latent links from a sampler; true when another sampler feeds it (a second pass). */
function fedBySampler(graph: Graph, samplerId: string): boolean {
  const seen = new Set<string>();
  const stack: string[] = [];
  const first = graph.get(samplerId)!;
  for (const key of LATENT_INPUTS) {
    const link = asLink(first.inputs[key]);
    if (link) stack.push(link[0]);
  }
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = graph.get(id);
    if (!node) continue;
    if (isSampler(node)) return true;
    for (const key of LATENT_INPUTS) {
      const link = asLink(node.inputs[key]);
      if (link) stack.push(link[0]);
    }
  }
  return false;
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
      const clipWeight = numberOrUndefined(literal(graph, inputs.strength_clip, ['value', 'float']));
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

function latentSize(graph: Graph, samplerId: string): [number, number] | undefined {
  for (const id of ancestors(graph, samplerId)) {
    const node = graph.get(id)!;
    if (/EmptyLatentImage|EmptySD3LatentImage/.test(node.class_type)) {
      const w = numberOrUndefined(literal(graph, node.inputs.width, ['value', 'int']));
      const h = numberOrUndefined(literal(graph, node.inputs.height, ['value', 'int']));
      if (w && h) return [w, h];
    }
  }
  return undefined;
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
}

/** Reads the `prompt` graph text of a ComfyUI PNG. */
export function generationFromComfyPrompt(text: string): GenerationInfo {
  const graph = toGraph(parseJsonExact(text));
  const warnings: string[] = [];
  const samplers = [...graph.entries()]
    .filter(([, n]) => isSampler(n))
    .map(([id]) => id)
    .sort(compareIds);
  if (samplers.length === 0) throw new Error('the ComfyUI graph has no sampler node (KSampler, KSamplerAdvanced, SamplerCustom)');
  const outputAncestors = new Set<string>();
  for (const [id, node] of graph) if (isOutput(node)) for (const a of ancestors(graph, id)) outputAncestors.add(a);
  const firstPass = samplers.filter((id) => !fedBySampler(graph, id));
  const candidates = (firstPass.length ? firstPass : samplers).filter((id) => outputAncestors.size === 0 || outputAncestors.has(id));
  const chosen = (candidates.length ? candidates : samplers)[0];
  if (samplers.length > 1) {
    warnings.push(
      `the graph has ${samplers.length} samplers (nodes ${samplers.join(', ')}); seed, steps, cfg, prompt and checkpoint come from node ${chosen}, the first pass`,
    );
  }
  const sampler = graph.get(chosen)!;
  const inputs = sampler.inputs;
  const rawSeed = literal(graph, inputs.seed ?? inputs.noise_seed, ['seed', 'noise_seed', 'value', 'int', 'number']);
  const chain = modelChain(graph, inputs.model);
  const checkpoints = new Set<string>();
  for (const id of samplers) {
    const ckpt = modelChain(graph, graph.get(id)!.inputs.model).checkpoint;
    if (ckpt) checkpoints.add(ckpt);
  }
  if (checkpoints.size > 1)
    warnings.push(
      `the graph loads ${checkpoints.size} checkpoints (${[...checkpoints].join(', ')}); the target is ${chain.checkpoint ?? 'unknown'}, the first pass's`,
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
    loras: chain.loras,
    params,
    warnings,
  };
}
