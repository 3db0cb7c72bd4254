/**
 * A ComfyUI API graph: checkpoint → two LoRA loaders → KSampler, CLIPSetLastLayer, then a second pass on a
 * 2× latent upscale whose output is saved: a hires pass with the same model and seed (default), or a refiner
 * pass with its own checkpoint, no LoRA and seed 1.
 */
export function comfyGraph(o: { ckpt: string; lora?: [string, number, number]; seed: string; text: string; secondPass?: 'hires' | 'refiner' }): string {
  const refiner = o.secondPass === 'refiner';
  const nodes: Record<string, unknown> = {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: o.ckpt } },
    '10': { class_type: 'CLIPSetLastLayer', inputs: { stop_at_clip_layer: -2, clip: ['11', 1] } },
    '11': o.lora
      ? { class_type: 'LoraLoader', inputs: { lora_name: o.lora[0], strength_model: o.lora[1], strength_clip: o.lora[2], model: ['12', 0], clip: ['12', 1] } }
      : { class_type: 'Reroute', inputs: { model: ['12', 0], clip: ['12', 1] } },
    '12': {
      class_type: 'LoraLoader',
      inputs: { lora_name: 'detail_tweaker.safetensors', strength_model: 0.3, strength_clip: 0.3, model: ['4', 0], clip: ['4', 1] },
    },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 768, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: o.text, clip: ['10', 0] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'lowres, bad hands', clip: ['10', 0] } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: '@SEED@',
        steps: 28,
        cfg: 7.5,
        sampler_name: 'dpmpp_2m',
        scheduler: 'karras',
        denoise: 1,
        model: ['11', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
    },
    '20': { class_type: 'LatentUpscale', inputs: { upscale_method: 'nearest-exact', width: 1024, height: 1536, crop: 'disabled', samples: ['3', 0] } },
    ...(refiner ? { '21': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'refiner.safetensors' } } } : {}),
    '22': {
      class_type: 'KSampler',
      inputs: {
        seed: refiner ? 1 : '@SEED@',
        steps: 10,
        cfg: 5,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 0.5,
        model: refiner ? ['21', 0] : ['11', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['20', 0],
      },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['22', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  };
  // Seeds beyond 2^53 must reach the reader as written, so the literal is spliced in as text.
  return JSON.stringify(nodes).replaceAll('"@SEED@"', o.seed);
}
