/** Regenerates the published JSON Schemas in schema/ from the zod schemas. */
import { writeFileSync } from 'node:fs';
import { publishedSchemas } from '../src/schemas.js';

for (const [file, schema] of Object.entries(publishedSchemas())) {
  writeFileSync(file, JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote ${file}`);
}
