import { createHash } from 'node:crypto';

/** The fields of a score row that the store keeps (see Store.replaceScores). */
export interface ScoreRowFields {
  image: string;
  sha256: string;
  metric: string;
  model: string;
  value: number;
}

/** The fields of an image row that the store keeps, as written (levels as JSON, native as 0/1). */
export type ImageRowFields = [key: string, sha256: string, levels: string, prompt: string, seed: string, weight: number, native: number];

/**
 * sha256 of a run's score rows, in order, with every value's exact bits. Built from each distinct (image, sha256) and
 * (metric, model) once plus arrays of row indices and values, because concatenating a string per row costs more than
 * writing the rows would save on a run of a hundred thousand rows.
 */
export function scoreRowsDigest(rows: ScoreRowFields[]): string {
  const images: [string, string][] = [];
  const labels: [string, string][] = [];
  const imageIndex = new Map<string, Map<string, number>>();
  const labelIndex = new Map<string, Map<string, number>>();
  const indexIn = (index: Map<string, Map<string, number>>, list: [string, string][], a: string, b: string) => {
    let inner = index.get(a);
    if (!inner) index.set(a, (inner = new Map()));
    let i = inner.get(b);
    if (i === undefined) {
      inner.set(b, (i = list.length));
      list.push([a, b]);
    }
    return i;
  };
  const refs = new Uint32Array(rows.length * 2);
  const values = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    refs[2 * i] = indexIn(imageIndex, images, r.image, r.sha256);
    refs[2 * i + 1] = indexIn(labelIndex, labels, r.metric, r.model);
    values[i] = r.value;
  });
  return createHash('sha256')
    .update(JSON.stringify([rows.length, images, labels]))
    .update(new Uint8Array(refs.buffer))
    .update(new Uint8Array(values.buffer))
    .digest('hex');
}

/** sha256 of a run's image rows, in order, as the store writes them. */
export function imageRowsDigest(rows: ImageRowFields[]): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}
