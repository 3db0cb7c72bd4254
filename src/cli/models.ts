import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { formatSignature, openSession } from '../runtime/session.js';
import { runCommand, UserError } from './errors.js';

interface ModelCard {
  id: string;
  kind: string;
  source: string;
  license: string;
  files: string[];
  status?: string;
}

/** models/registry.json of the installed package. */
export function registryFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'models', 'registry.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new UserError('models/registry.json not found beside the installed package');
    dir = parent;
  }
  return join(dir, 'models', 'registry.json');
}

function onnxFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...onnxFiles(p));
    else if (entry.name.endsWith('.onnx')) out.push(p);
  }
  return out.sort();
}

export function register(program: Command): void {
  const models = program.command('models').description('model cards and model folder signatures');
  models
    .command('list')
    .description('list the public models lora-eval knows (models/registry.json)')
    .option('--json', 'print the cards as JSON')
    .action((opts) =>
      runCommand(async () => {
        const cards = (JSON.parse(readFileSync(registryFile(), 'utf8')) as { models: ModelCard[] }).models;
        if (opts.json) {
          process.stdout.write(JSON.stringify(cards, null, 2) + '\n');
          return;
        }
        const rows = cards.map((c) => [c.id, c.kind, c.license, c.source + (c.status ? ` (${c.status})` : '')]);
        const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ['id', 'kind', 'license'][i].length));
        const line = (r: string[]) => r.map((v, i) => (i < 3 ? v.padEnd(widths[i]) : v)).join('  ');
        process.stdout.write([line(['id', 'kind', 'license', 'source']), ...rows.map(line)].join('\n') + '\n');
      }),
    );
  models
    .command('inspect')
    .description('print the I/O signature (input and output names, dtypes, shapes) of every .onnx file in a model folder')
    .argument('<dir>', 'model folder')
    .option('--json', 'print as JSON')
    .action((dir: string, opts) =>
      runCommand(async () => {
        const root = resolve(dir);
        if (!existsSync(root) || !statSync(root).isDirectory()) throw new UserError(`${dir}: not a folder`);
        const files = onnxFiles(root);
        if (files.length === 0) throw new UserError(`${dir}: no .onnx files`);
        const signatures = [];
        for (const file of files) {
          const { session, signature } = await openSession(file);
          await session.release();
          signatures.push({ ...signature, file: relative(process.cwd(), file) });
        }
        if (opts.json) process.stdout.write(JSON.stringify(signatures, null, 2) + '\n');
        else process.stdout.write(signatures.map(formatSignature).join('\n\n') + '\n');
      }),
    );
}
