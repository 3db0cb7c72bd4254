import type { Sweep, SweepInput } from './schema.js';
import { seedYamlValue } from './seed.js';

/**
 * The sweep as a YAML writer should give it: seeds that a number holds exactly as plain numbers, larger ones
 * as strings, which YAML quotes, so that reading the file back gives the same seeds.
 */
export function sweepWithYamlSeeds(sweep: Sweep): SweepInput {
  const images = Array.isArray(sweep.images) ? sweep.images.map((image) => ({ ...image, seed: seedYamlValue(image.seed) })) : sweep.images;
  return { ...sweep, seeds: sweep.seeds.map(seedYamlValue), images };
}
