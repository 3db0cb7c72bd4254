import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { publishedSchemas } from '../src/schemas.js';

describe('published JSON Schemas', () => {
  for (const [file, schema] of Object.entries(publishedSchemas())) {
    it(`${file} is the committed copy of the zod schema (regenerate with npm run schemas)`, () => {
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(schema)));
    });
  }
});
