import type { Command } from 'commander';
import { resolve } from 'node:path';
import { runCommand, UserError } from './errors.js';

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** Adds `inspect meta <file>` to the given `inspect` command. */
export function registerInspectMeta(inspect: Command): void {
  inspect
    .command('meta')
    .description(
      'print as JSON the generation metadata read from one image (A1111 infotext, ComfyUI graph, sd-scripts keys…),\n' +
        'or the header metadata of a .safetensors model file',
    )
    .argument('<file>', 'PNG, JPEG or WebP image, or .safetensors file')
    .option('--raw', 'include the full text of every PNG text chunk (and, for .safetensors, every tensor)')
    .option('--hashes', 'for .safetensors: also compute the A1111 model hash, the LoRA (addnet) hash and the legacy hash (reads the whole file)')
    .action((file: string, opts: { raw?: boolean; hashes?: boolean }) =>
      runCommand(async () => {
        const { IngestFileError } = await import('../ingest/errors.js');
        const { a1111ModelHash, addnetHash, legacyModelHash } = await import('../ingest/model-hashes.js');
        const { readImageMetadata } = await import('../ingest/read-metadata.js');
        const { readSafetensorsHeader } = await import('../ingest/safetensors.js');
        const path = resolve(file);
        try {
          if (path.toLowerCase().endsWith('.safetensors')) {
            const header = await readSafetensorsHeader(path);
            const out: Record<string, unknown> = {
              file: header.file,
              fileBytes: header.fileBytes,
              headerBytes: header.headerBytes,
              tensorCount: Object.keys(header.tensors).length,
              metadata: header.metadata,
            };
            if (opts.raw) out.tensors = header.tensors;
            if (opts.hashes) {
              const addnet = await addnetHash(path);
              out.hashes = {
                a1111ModelHash: await a1111ModelHash(path),
                loraHash: addnet.slice(0, 12),
                addnetHash: addnet,
                legacyModelHash: await legacyModelHash(path),
              };
            }
            process.stdout.write(toJson(out) + '\n');
            return;
          }
          const meta = await readImageMetadata(path);
          const texts = meta.texts.map((t) =>
            opts.raw ? t : { type: t.type, keyword: t.keyword, afterImageData: t.afterImageData, characters: t.text.length },
          );
          const { file: f, format, width, height, carrier, isGrid, generation, infotext, warnings } = meta;
          process.stdout.write(toJson({ file: f, format, width, height, carrier, isGrid, generation, infotext, texts, warnings }) + '\n');
        } catch (e) {
          if (e instanceof IngestFileError) throw new UserError(e.message);
          throw e;
        }
      }),
    );
}
