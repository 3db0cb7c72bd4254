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

/** Runs the ingest program in this process with its output captured, as a user's shell would see it. */
export async function runIngest(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (sink: string[]) => ((chunk: string | Uint8Array) => (sink.push(String(chunk)), true)) as typeof process.stdout.write;
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = write(out);
  process.stderr.write = write(err);
  process.exitCode = 0;
  try {
    await ingestProgram().parseAsync(['node', 'lora-eval', ...args]);
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout: out.join(''), stderr: err.join('') };
}

// Run directly: npx tsx test/ingest/helpers/cli-program.ts ingest <folder> --out sweep.yaml
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await ingestProgram().parseAsync(process.argv);
}
