/**
 * Power of the paired (one-sample) t test and the number of units it needs, as R's
 * power.t.test(type = "paired") computes them: the noncentral t distribution by R's pnt (Lenth's AS 243).
 */
import { requireLevel, StatsInputError } from './errors.js';
import { pnorm } from './normal-distribution.js';
import { incompleteBeta, logGamma } from './special-functions.js';
import { pt, qt } from './t-distribution.js';

const LN_SQRT_PI = 0.572364942924700087071713675677; // log(sqrt(pi))
const SQRT_2_OVER_PI = 0.797884560802865355879892119869;

/** P(T ≤ t) (lowerTail) or P(T > t) for T noncentral t with df degrees of freedom and noncentrality ncp (R's pt(t, df, ncp)). */
export function pnt(t: number, df: number, ncp: number, lowerTail = true): number {
  if (!(df > 0)) throw new RangeError(`pnt: df must be > 0, got ${df}`);
  if (ncp === 0) return pt(t, df, lowerTail);
  if (!Number.isFinite(t)) return t < 0 === lowerTail ? 0 : 1;
  let negdel: boolean;
  let tt: number;
  let del: number;
  if (t >= 0) {
    negdel = false;
    tt = t;
    del = ncp;
  } else {
    if (ncp > 40 && !lowerTail) return 1;
    if (ncp > 40) return 0;
    negdel = true;
    tt = -t;
    del = -ncp;
  }
  const lower = lowerTail !== negdel;
  if (df > 4e5 || del * del > 2 * Math.LN2 * 1021) {
    // Abramowitz & Stegun 26.7.10
    const s = 1 / (4 * df);
    const z = (tt * (1 - s) - del) / Math.sqrt(1 + tt * tt * 2 * s);
    return pnorm(z, lower);
  }
  let x = t * t;
  const rxbBase = df / (x + df);
  x = x / (x + df);
  let tnc: number;
  if (x > 0) {
    const lambda = del * del;
    let p = 0.5 * Math.exp(-0.5 * lambda);
    if (p === 0) return lower ? 0 : 1;
    let q = SQRT_2_OVER_PI * p * del;
    let s = 0.5 - p;
    if (s < 1e-7) s = -0.5 * Math.expm1(-0.5 * lambda);
    let a = 0.5;
    const b = 0.5 * df;
    const rxb = Math.pow(rxbBase, b);
    const albeta = LN_SQRT_PI + logGamma(b) - logGamma(0.5 + b);
    let xodd = incompleteBeta(x, rxbBase, a, b).lower;
    let godd = 2 * rxb * Math.exp(a * Math.log(x) - albeta);
    tnc = b * x;
    let xeven = tnc < Number.EPSILON ? tnc : 1 - rxb;
    let geven = tnc * rxb;
    tnc = p * xodd + q * xeven;
    for (let it = 1; it <= 1000; it++) {
      a += 1;
      xodd -= godd;
      xeven -= geven;
      godd *= (x * (a + b - 1)) / a;
      geven *= (x * (a + b - 0.5)) / (a + 0.5);
      p *= lambda / (2 * it);
      q *= lambda / (2 * it + 1);
      tnc += p * xodd + q * xeven;
      s -= p;
      if (s < -1e-10) break;
      if (s <= 0 && it > 1) break;
      const errbd = 2 * s * (xodd - godd);
      if (Math.abs(errbd) < 1e-12) break;
    }
  } else {
    tnc = 0;
  }
  tnc += pnorm(-del);
  const tmp = Math.min(tnc, 1);
  return lower ? tmp : 0.5 - tmp + 0.5;
}

export interface PowerOptions {
  /** Significance level. Default 0.05. */
  alpha?: number;
  /** Default "two.sided". */
  sided?: 'two.sided' | 'one.sided';
}

function checkPowerInputs(where: string, effect: number, options: PowerOptions): { alpha: number; tside: number } {
  if (!(Number.isFinite(effect) && effect > 0)) throw new StatsInputError(`${where}: the effect size d must be a finite number > 0, got ${effect}`);
  const alpha = options.alpha ?? 0.05;
  requireLevel(where, 'alpha', alpha);
  const sided = options.sided ?? 'two.sided';
  if (sided !== 'two.sided' && sided !== 'one.sided') throw new StatsInputError(`${where}: sided must be "two.sided" or "one.sided", got ${String(sided)}`);
  return { alpha, tside: sided === 'two.sided' ? 2 : 1 };
}

/**
 * Power of a paired t test on n units (here: prompts) at standardised effect d = mean difference ÷ SD of the
 * per-unit differences: R's power.t.test(n, delta = d, sd = 1, type = "paired") (strict = FALSE: the far tail
 * of a two-sided test is ignored, as R does).
 */
export function pairedTPower(n: number, effect: number, options: PowerOptions = {}): number {
  const where = 'pairedTPower';
  const { alpha, tside } = checkPowerInputs(where, effect, options);
  if (!(n >= 2)) throw new StatsInputError(`${where}: n must be ≥ 2, got ${n}`);
  const df = n - 1;
  return pnt(qt(alpha / tside, df, false), df, Math.sqrt(n) * effect, false);
}

export interface SampleSize {
  /** The n at which the power equals the target, unrounded (R's power.t.test(...)$n). */
  n: number;
  /** ceil(n): the units to plan for. */
  needed: number;
  /** Power at `needed`. */
  power: number;
}

/** Units (prompts) a paired t test needs for the given power at effect d: R's power.t.test(power, delta = d, type = "paired"). */
export function pairedTSampleSize(effect: number, power = 0.8, options: PowerOptions = {}): SampleSize {
  const where = 'pairedTSampleSize';
  checkPowerInputs(where, effect, options);
  if (!(power > 0 && power < 1)) throw new StatsInputError(`${where}: power must be in (0, 1), got ${power}`);
  const f = (n: number) => pairedTPower(n, effect, options) - power;
  let lo = 2;
  if (f(lo) >= 0) return { n: lo, needed: 2, power: pairedTPower(2, effect, options) };
  let hi = 4;
  while (f(hi) < 0) {
    lo = hi;
    hi *= 2;
    if (hi > 1e9) throw new StatsInputError(`${where}: more than 1e9 units would be needed for d = ${effect}`);
  }
  for (let i = 0; i < 200 && hi - lo > 1e-10 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  const n = 0.5 * (lo + hi);
  const needed = Math.ceil(n - 1e-9);
  return { n, needed, power: pairedTPower(needed, effect, options) };
}
