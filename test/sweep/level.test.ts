import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { levelsOf, loadScoreTable } from '../../src/run/score-table.js';
import { sameLevel } from '../../src/analysis/selection.js';
import { canonicalLevel } from '../../src/sweep/level.js';
import { tempDir } from '../helpers/tmp.js';

describe('canonicalLevel', () => {
  it('writes numeric-looking levels as their plain decimal value', () => {
    const cases: [string, string][] = [
      ['1', '1'],
      ['1.0', '1'],
      ['1.00', '1'],
      ['+1', '1'],
      ['1e0', '1'],
      ['1.', '1'],
      ['0.50', '0.5'],
      ['.5', '0.5'],
      ['-0.0', '0'],
      ['00', '0'],
      ['1e-3', '0.001'],
      ['1E+2', '100'],
      ['-1.50', '-1.5'],
      // Exact on the digits: no rounding through binary floating point.
      ['12345678901234567890.000', '12345678901234567890'],
      ['0.10000000000000000001', '0.10000000000000000001'],
    ];
    for (const [written, canonical] of cases) expect(canonicalLevel(written), written).toBe(canonical);
  });

  it('leaves other levels as written', () => {
    for (const level of ['', 'nai', 'e4', 'final', '1girl', '.', '-', ' 1', '1e999', '0x10', 'Infinity', 'NaN']) expect(canonicalLevel(level)).toBe(level);
  });

  it('is what selectors compare', () => {
    expect(sameLevel('1.0', 1)).toBe(true);
    expect(sameLevel('0.50', '.5')).toBe(true);
    expect(sameLevel('1', '10')).toBe(false);
    expect(sameLevel('nai', 'NAI')).toBe(false);
  });

  it('is how scores.csv is read, so analyze, report, merge and check see one level per value', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'scores.csv'),
      [
        'image,sha256,base,target,weight,prompt,seed,metric,model,value',
        'a.png,-,nai,t1,1.0,p1,1,style_retention,clip,0.5',
        'b.png,-,nai,t1,1,p1,2,style_retention,clip,0.5',
        'c.png,-,,t1,0.0,p1,1,style_retention,clip,0.5',
        'd.png,-,,t1,0,p1,2,style_retention,clip,0.5',
      ].join('\n') + '\n',
    );
    const table = loadScoreTable(dir);
    expect(levelsOf(table, 'weight')).toEqual(['1', '0']);
  });
});
