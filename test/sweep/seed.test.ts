import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareSeeds, isSafeSeed, parseSeed, SeedError, SeedSchema, seedYamlValue, tryParseSeed } from '../../src/sweep/seed.js';

const MAX64 = '18446744073709551615'; // 2^64 − 1, the largest ComfyUI seed

describe('seeds as canonical decimal strings', () => {
  it('reads safe integers, bigints and digit strings into one canonical form', () => {
    expect(parseSeed(42)).toBe('42');
    expect(parseSeed(-7)).toBe('-7');
    expect(parseSeed(-0)).toBe('0');
    expect(parseSeed('007')).toBe('7');
    expect(parseSeed('-0')).toBe('0');
    expect(parseSeed('-012')).toBe('-12');
    expect(parseSeed(MAX64)).toBe(MAX64);
    expect(parseSeed(2n ** 64n - 1n)).toBe(MAX64);
    expect(parseSeed(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
  });

  it('refuses what is not an exact integer, and says to quote a rounded one', () => {
    expect(() => parseSeed(2 ** 64)).toThrow(SeedError);
    expect(() => parseSeed(2 ** 64)).toThrow(/beyond 2\^53 .*quote the seed/);
    expect(() => parseSeed(Number.MAX_SAFE_INTEGER + 1)).toThrow(/beyond 2\^53/);
    for (const bad of [1.5, NaN, Infinity, '1.0', '1e3', ' 12', '12 ', '+1', '', '0x10', true, null, undefined, {}]) {
      expect(tryParseSeed(bad), String(bad)).toBeUndefined();
      expect(() => parseSeed(bad), String(bad)).toThrow(SeedError);
    }
  });

  it('orders seeds numerically, also where doubles cannot tell them apart', () => {
    // 2^53 + 1 and 2^53 are the same double; as strings "10" < "9".
    expect(compareSeeds('9007199254740993', '9007199254740992')).toBe(1);
    expect(Number('9007199254740993') - Number('9007199254740992')).toBe(0);
    expect(compareSeeds('10', '9')).toBe(1);
    expect(compareSeeds('-10', '-9')).toBe(-1);
    expect(compareSeeds(MAX64, MAX64)).toBe(0);
    expect(['10', MAX64, '-3', '9', '9007199254740993', '9007199254740992'].sort(compareSeeds)).toEqual([
      '-3',
      '9',
      '10',
      '9007199254740992',
      '9007199254740993',
      MAX64,
    ]);
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), (a, b) => {
        expect(compareSeeds(parseSeed(a), parseSeed(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(parseSeed(parseSeed(a))).toBe(a.toString());
      }),
    );
  });

  it('writes safe seeds as numbers and larger ones as strings', () => {
    expect(isSafeSeed('9007199254740991')).toBe(true);
    expect(isSafeSeed('-9007199254740991')).toBe(true);
    expect(isSafeSeed('9007199254740992')).toBe(false);
    expect(isSafeSeed(MAX64)).toBe(false);
    expect(seedYamlValue('12')).toBe(12);
    expect(seedYamlValue(MAX64)).toBe(MAX64);
  });

  it('validates YAML seeds: a number must be safe, a string must be digits', () => {
    const messages = (v: unknown) => {
      const r = SeedSchema.safeParse(v);
      return r.success ? r.data : r.error.issues.map((i) => i.message);
    };
    expect(messages(3)).toBe('3');
    expect(messages(`0${MAX64}`)).toBe(MAX64);
    expect(messages(2 ** 64)).toEqual([
      expect.stringMatching(/^seed 18446744073709552000 is beyond 2\^53 .*quote the seed as written, e\.g\. "18446744073709551615"$/),
    ]);
    expect(messages('12a')).toEqual([expect.stringMatching(/decimal digits only/)]);
    expect(messages(1.5)).toEqual(['a seed is an integer or a quoted string of decimal digits']);
    expect(messages(true)).toEqual(['a seed is an integer or a quoted string of decimal digits']);
  });
});
