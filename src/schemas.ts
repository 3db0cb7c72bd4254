import { z } from 'zod';
import { HypothesesJsonSchema } from './analysis/hypothesis-schema.js';
import { sweepJsonSchema } from './sweep/json-schema.js';
import { experimentJsonSchema } from './train/json-schema.js';

/** Every JSON Schema the project publishes, by the file it is committed as. */
export function publishedSchemas(): Record<string, Record<string, unknown>> {
  return {
    'schema/sweep.schema.json': sweepJsonSchema(),
    'schema/experiment.schema.json': experimentJsonSchema(),
    'schema/hypotheses.schema.json': { ...z.toJSONSchema(HypothesesJsonSchema, { io: 'input', unrepresentable: 'any' }), title: 'lora-eval hypotheses' },
  };
}
