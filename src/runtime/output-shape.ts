import type * as ort from 'onnxruntime-node';
import { ModelLoadError } from './errors.js';
import { formatShape, type TensorSignature } from './session.js';

/**
 * What an output must be: one float32 row of `width` values per batch item, [batch, width].
 * Anything else would be read wrongly without an error (a [B,1,512] output read as [B,1] turns each
 * embedding into one number), so both the declared and the returned shapes are checked.
 */
export interface RowsExpectation {
  /** Model file, named in every refusal. */
  file: string;
  output: string;
  /** Required width when known (from the model, its config or its tag list); undefined accepts any width ≥ 2. */
  width?: number;
  /** What one row is, for messages: "image embedding", "row of tag probabilities". */
  what: string;
  /** Where the required width comes from, for messages: "config.json gives projection_dim 512". */
  because?: string;
}

function expected(e: RowsExpectation, batch: number | string = 'batch'): string {
  return `float32 [${batch},${e.width ?? 'width'}] (one ${e.what} per item${e.because ? `; ${e.because}` : ''})`;
}

/** Refuses at load time an output whose declared type or shape cannot be [batch, width]; returns its fixed width, if any. */
export function checkDeclaredRows(signature: TensorSignature, e: RowsExpectation): number | undefined {
  const found = `${signature.type} ${formatShape(signature.shape)}`;
  const refuse = () => new ModelLoadError(e.file, `output "${e.output}" is declared ${found}; expected ${expected(e)}`);
  if (signature.type !== 'float32') throw refuse();
  // onnxruntime reports no dimensions when the declared shape and its own inference disagree: checked when run.
  if (signature.shape.length === 0) return undefined;
  if (signature.shape.length !== 2) throw refuse();
  const width = signature.shape[1];
  if (typeof width !== 'number' || width <= 0) return undefined;
  if (width < 2 || (e.width !== undefined && width !== e.width)) throw refuse();
  return width;
}

/** The rows of a returned tensor, after checking it is float32 [batch, width]. */
export function rowsOfOutput(tensor: ort.Tensor, batch: number, e: RowsExpectation): Float32Array[] {
  const dims = tensor.dims as readonly number[];
  const fits = tensor.type === 'float32' && dims.length === 2 && dims[0] === batch && dims[1] >= 2 && (e.width === undefined || dims[1] === e.width);
  if (!fits) {
    throw new ModelLoadError(
      e.file,
      `output "${e.output}" returned ${tensor.type} ${formatShape([...dims])} for ${batch} inputs; expected ${expected(e, batch)}`,
    );
  }
  const width = dims[1];
  const data = tensor.data as Float32Array;
  return Array.from({ length: batch }, (_, i) => data.slice(i * width, (i + 1) * width));
}

/**
 * What a token output must be: float32 [batch, tokens, width] with the CLS token first (DINOv2's
 * last_hidden_state). Reading it as rows would take the CLS token and all patch tokens as one long vector.
 */
export type TokensExpectation = RowsExpectation;

function expectedTokens(e: TokensExpectation, batch: number | string = 'batch'): string {
  return `float32 [${batch},tokens,${e.width ?? 'width'}] (${e.what}: CLS token first${e.because ? `; ${e.because}` : ''})`;
}

/** Refuses at load time a token output whose declared type or rank cannot be [batch, tokens, width]; returns its fixed width, if any. */
export function checkDeclaredTokens(signature: TensorSignature, e: TokensExpectation): number | undefined {
  const found = `${signature.type} ${formatShape(signature.shape)}`;
  const refuse = () => new ModelLoadError(e.file, `output "${e.output}" is declared ${found}; expected ${expectedTokens(e)}`);
  if (signature.type !== 'float32') throw refuse();
  if (signature.shape.length === 0) return undefined;
  if (signature.shape.length !== 3) throw refuse();
  const width = signature.shape[2];
  if (typeof width !== 'number' || width <= 0) return undefined;
  if (width < 2 || (e.width !== undefined && width !== e.width)) throw refuse();
  return width;
}

/** The CLS token (index 0 of the token axis) of each item of a returned [batch, tokens, width] tensor. */
export function clsOfOutput(tensor: ort.Tensor, batch: number, e: TokensExpectation): Float32Array[] {
  const dims = tensor.dims as readonly number[];
  const fits =
    tensor.type === 'float32' && dims.length === 3 && dims[0] === batch && dims[1] >= 1 && dims[2] >= 2 && (e.width === undefined || dims[2] === e.width);
  if (!fits) {
    throw new ModelLoadError(
      e.file,
      `output "${e.output}" returned ${tensor.type} ${formatShape([...dims])} for ${batch} inputs; expected ${expectedTokens(e, batch)}`,
    );
  }
  const [, tokens, width] = dims;
  const data = tensor.data as Float32Array;
  return Array.from({ length: batch }, (_, i) => data.slice(i * tokens * width, i * tokens * width + width));
}
