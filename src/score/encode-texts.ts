import type { ClipModel } from '../encoders/clip.js';
import { sha256 } from '../store/hash.js';
import type { Store } from '../store/store.js';

/** Start of the preprocessing hash under which prompt embeddings are stored (image embeddings have others). */
export const TEXT_PREP_PREFIX = 'clip-text:';

/** Text embeddings of the given texts, cached in the store like image embeddings (keyed by text sha256). */
export async function encodeTexts(clip: ClipModel, textModelSha: string, texts: string[], store: Store): Promise<Map<string, Float32Array>> {
  const prepHash = `${TEXT_PREP_PREFIX}${clip.contextLength}:${clip.tokenizer.padId}`;
  const vectors = new Map<string, Float32Array>();
  const missing = [...new Set(texts)].filter((text) => {
    const cached = store.vector(sha256(text), textModelSha, prepHash);
    if (cached) vectors.set(text, cached);
    return !cached;
  });
  if (missing.length) {
    const encoded = await clip.encodeTexts(missing);
    missing.forEach((text, i) => vectors.set(text, encoded[i]));
    store.putVectors(missing.map((text, i) => ({ contentSha: sha256(text), modelSha: textModelSha, prepHash, vector: encoded[i] })));
  }
  return vectors;
}
