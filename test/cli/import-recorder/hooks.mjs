// Module hooks that append every resolved module URL to the file named by IMPORT_LOG.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.IMPORT_LOG, result.url + '\n');
  return result;
}
