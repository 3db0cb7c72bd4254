/**
 * The input buffer of a model's batches, allocated once and reused: a fresh multi-megabyte array per batch leaves
 * the allocator with freed blocks it rarely returns, so memory would creep up with the number of batches.
 */
export class BatchBuffer {
  private buffer = new Float32Array(0);

  /** A view of `values` floats at the buffer's start; valid until the next call. */
  take(values: number): Float32Array {
    if (this.buffer.length < values) this.buffer = new Float32Array(values);
    return this.buffer.subarray(0, values);
  }
}
