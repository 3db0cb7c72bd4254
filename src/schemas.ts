import { sweepJsonSchema } from './sweep/json-schema.js';

/** Every JSON Schema the project publishes, by the file it is committed as. */
export function publishedSchemas(): Record<string, Record<string, unknown>> {
  return {
    'schema/sweep.schema.json': sweepJsonSchema(),
  };
}
