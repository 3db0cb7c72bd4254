/** The ingest and inspect-meta commands on a bare program, as main.ts will wire them. */
import { Command } from 'commander';
import { register } from '../../../src/cli/ingest.js';
import { registerInspectMeta } from '../../../src/cli/inspect-meta.js';

export function ingestProgram(): Command {
  const program = new Command().name('lora-eval').exitOverride();
  register(program);
  registerInspectMeta(program.command('inspect'));
  return program;
}

// Run directly: npx tsx test/ingest/helpers/cli-program.ts ingest <folder> --out sweep.yaml
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await ingestProgram().parseAsync(process.argv);
}
