import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatBytes } from '../models/format-bytes.js';
import { hubEnv } from '../models/hub-env.js';
import { runCommand, UserError } from './errors.js';

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
        const { readCards } = await import('../models/registry.js');
        const cards = readCards();
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
    .command('pull')
    .description(
      'download the files a model needs into the Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub), ' +
        "verify each against the Hub's hash and pin its sha256 in the lock file; an interrupted pull resumes. " +
        'Reads HF_ENDPOINT, HF_TOKEN (gated models), HF_HUB_OFFLINE=1 (cache only) and HTTPS_PROXY, HTTP_PROXY, NO_PROXY',
    )
    .argument('<model>', 'card id (lora-eval models list) or Hugging Face repository "org/name", optionally "@revision"')
    .option('--revision <rev>', 'branch, tag or commit (default: main); recorded as the commit it resolves to')
    .option('--variant <name>', 'ONNX file variant, e.g. "quantized" for onnx/vision_model_quantized.onnx (default: fp32, the plain files)')
    .option('--lock <file>', 'model pins (sha256 of each model file)', 'models/models.lock.json')
    .option('--relock', 'accept files whose sha256 differs from their pin (a new revision) and re-pin them')
    .action((target: string, opts) =>
      runCommand(async () => {
        const { pullModel } = await import('../models/hub-pull.js');
        const { pullProgress } = await import('./pull-progress.js');
        const progress = pullProgress();
        const result = await pullModel({
          target,
          revision: opts.revision,
          variant: opts.variant,
          lock: resolve(opts.lock),
          relock: opts.relock,
          hub: hubEnv(),
          progress,
        });
        const bytes = result.files.reduce((sum, f) => sum + f.bytes, 0);
        const fetched = result.files.filter((f) => f.action !== 'cached').length;
        progress.info(
          `${result.repo}@${result.commit}: ${result.files.length} file(s), ${formatBytes(bytes)} ` +
            `(${fetched} downloaded, ${result.files.length - fetched} already in the cache), sha256 pinned in ${opts.lock}`,
        );
        process.stdout.write(`${result.snapshot}\n`);
      }),
    );
  models
    .command('inspect')
    .description('print the I/O signature (input and output names, dtypes, shapes) of every .onnx file in a model folder')
    .argument('<dir>', 'model folder')
    .option('--json', 'print as JSON')
    .action((dir: string, opts) =>
      runCommand(async () => {
        const { formatSignature, openSession } = await import('../runtime/session.js');
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
