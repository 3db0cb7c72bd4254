import { z } from 'zod';
import { ExperimentSchema } from './experiment-schema.js';

/** experiment.yaml's schema as JSON Schema (committed as schema/experiment.schema.json), for editors and other tools. */
export function experimentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ExperimentSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://lora-eval.dev/schema/experiment.schema.json',
    title: 'lora-eval experiment',
  };
}

/** The committed file's exact text. */
export function experimentJsonSchemaText(): string {
  return JSON.stringify(experimentJsonSchema(), null, 2) + '\n';
}
