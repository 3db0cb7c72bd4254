import { z } from 'zod';
import { SweepSchema } from './schema.js';

/** sweep.yaml's schema as JSON Schema, for editors (yaml-language-server) and other tools. */
export function sweepJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SweepSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://lora-eval.dev/schema/sweep.schema.json',
    title: 'lora-eval sweep',
  };
}
