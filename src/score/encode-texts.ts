import type { ClipModel } from '../encoders/clip.js';
import { sha256 } from '../store/hash.js';
import type { Store } from '../store/store.js';

/** Text embeddings of the given texts, cached in the store like image embeddings (keyed by text sha256). */
export async function encodeTexts(clip: ClipModel, textModelSha: string, texts: string[], store: Store): Promise<Map<string, Float32Array>> {
  const prepHash = `clip-text:${clip.contextLength}:${clip.tokenizer.padId}`;
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
