/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna) with its state filled by
 * splitmix32 from the seed. Every stochastic routine in src/stats takes a seed and draws from
 * this generator, so results are reproducible across runs and machines.
 */

export type Seed = number | string;

export interface Rng {
  /** Uniform on [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number;
  /** Standard normal deviate (Marsaglia polar method). */
  normal(): number;
  /** Raw 32-bit output of the generator, as an unsigned integer. */
  nextUint32(): number;
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function seedToUint32(seed: Seed): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be a safe integer or a string, got ${String(seed)}`);
  }
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  return (low ^ Math.imul(high, 0x9e3779b9)) >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** The xoshiro128** generator on an explicit 128-bit state (four uint32, not all zero). */
export function xoshiro128ss(state: readonly [number, number, number, number]): () => number {
  let [s0, s1, s2, s3] = state.map((v) => v >>> 0);
  if ((s0 | s1 | s2 | s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
  return () => {
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };
}

/** A reproducible generator for `seed` (a safe integer or any string). */
export function createRng(seed: Seed): Rng {
  const mix = splitmix32(seedToUint32(seed));
  let state: [number, number, number, number] = [mix(), mix(), mix(), mix()];
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state = [1, 0, 0, 0];
  const raw = xoshiro128ss(state);
  let spareNormal: number | null = null;
  let lastN = 0;
  let bucket = 1;
  let limit = 0;
  const next = (): number => {
    const high = raw() >>> 5; // 27 bits
    const low = raw() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  };
  return {
    next,
    nextUint32: raw,
    int(n: number): number {
      if (n !== lastN) {
        if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`int(n): n must be an integer in [1, 2^32], got ${n}`);
        // Accept raw values below bucket·n only, so that every result has exactly `bucket` preimages.
        lastN = n;
        bucket = Math.floor(2 ** 32 / n);
        limit = bucket * n;
      }
      for (;;) {
        const r = raw();
        if (r < limit) return Math.floor(r / bucket);
      }
    },
    normal(): number {
      if (spareNormal !== null) {
        const v = spareNormal;
        spareNormal = null;
        return v;
      }
      for (;;) {
        const u = 2 * next() - 1;
        const v = 2 * next() - 1;
        const s = u * u + v * v;
        if (s > 0 && s < 1) {
          const f = Math.sqrt((-2 * Math.log(s)) / s);
          spareNormal = v * f;
          return u * f;
        }
      }
    },
  };
}

/** A seed for a named sub-stream, so that independent analyses get independent, order-free streams. */
export function deriveSeed(seed: Seed, label: string): number {
  return hashString(`${typeof seed === 'string' ? `s:${seed}` : `n:${seed}`}\u0000${label}`);
}
