import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../runtime/errors.js';

export interface EncodedText {
  ids: number[];
  attentionMask: number[];
}

/**
 * A CLIP tokenizer read from a model folder's tokenizer.json.
 * The tokenizer library neither pads nor truncates, so this pads to the context length with the
 * model's pad id and truncates keeping the end-of-text token last, as CLIP's text encoders expect.
 */
export class ClipTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly padId: number,
    readonly eosId: number,
    readonly bosId: number,
  ) {}

  static fromFolder(dir: string): ClipTokenizer {
    const tokenizerFile = join(dir, 'tokenizer.json');
    if (!existsSync(tokenizerFile)) throw new ModelLoadError(dir, `tokenizer.json not found in ${dir}`);
    const configFile = join(dir, 'tokenizer_config.json');
    const json = readJson(tokenizerFile);
    const config = existsSync(configFile) ? (readJson(configFile) as Record<string, unknown>) : {};
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json as object, config as object);
    } catch (e) {
      throw new ModelLoadError(tokenizerFile, `cannot build the tokenizer: ${(e as Error).message}`);
    }
    const idOf = (token: unknown): number | undefined => {
      const content = typeof token === 'string' ? token : (token as { content?: string } | undefined)?.content;
      if (!content) return undefined;
      return tokenIdOf(json, content);
    };
    const eosId = idOf(config.eos_token) ?? tokenIdOf(json, '<|endoftext|>');
    const bosId = idOf(config.bos_token) ?? tokenIdOf(json, '<|startoftext|>');
    if (eosId === undefined || bosId === undefined) {
      throw new ModelLoadError(tokenizerFile, 'cannot find the start and end of text tokens (<|startoftext|>, <|endoftext|>)');
    }
    // open_clip exports pad with 0 and name no pad token; Hugging Face CLIP pads with <|endoftext|>.
    const padId = idOf(config.pad_token) ?? 0;
    return new ClipTokenizer(tokenizer, padId, eosId, bosId);
  }

  /** The ids the tokenizer gives, with start and end tokens, before padding. */
  rawIds(text: string): number[] {
    return this.tokenizer.encode(text).ids;
  }

  encode(text: string, contextLength: number): EncodedText {
    let ids = this.rawIds(text);
    if (ids[0] !== this.bosId) ids = [this.bosId, ...ids];
    if (ids[ids.length - 1] !== this.eosId) ids = [...ids, this.eosId];
    if (ids.length > contextLength) ids = [...ids.slice(0, contextLength - 1), this.eosId];
    const attentionMask = ids.map(() => 1);
    while (ids.length < contextLength) {
      ids.push(this.padId);
      attentionMask.push(0);
    }
    return { ids, attentionMask };
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelLoadError(file, `not valid JSON: ${(e as Error).message}`);
  }
}

function tokenIdOf(json: unknown, content: string): number | undefined {
  const t = json as { added_tokens?: { id: number; content: string }[]; model?: { vocab?: Record<string, number> } };
  const added = t.added_tokens?.find((a) => a.content === content);
  if (added) return added.id;
  return t.model?.vocab?.[content];
}
