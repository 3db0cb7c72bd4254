import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlFile, loadSweep } from '../../src/sweep/load.js';
import { SweepError } from '../../src/sweep/types.js';
import { MAX_YAML_STRING_CHARS } from '../../src/sweep/yaml-file.js';
import { HypothesesSchema } from '../../src/analysis/hypothesis-schema.js';
import { loadExperiment } from '../../src/train/load-experiment.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

/** A valid sweep of 31 lines; `seeds:` is line 24, the last line is 31. */
const SWEEP = `name: t
lora:
  trigger: anis
  description: a girl with blonde hair
  concept_tags: [blonde_hair]
  references: refs
factors:
  base:
    - nai
    - sd15
  target:
    - anything
  weight:
    - 0
    - 1
prompts:
  - id: portrait
    kind: concept
    text: "anis, 1girl"
  - id: cafe
    kind: unrelated
    text: "a cafe"
# the seeds
seeds: [1, 2]
images:
  template: "{base}/{target}/w{weight}/{prompt}-{seed}.png"
  native: "native/{target}/{prompt}-{seed}.png"
# keys below this line are tried by the tests
#
#
#
`;

function sweepFile(content: string | Buffer): string {
  const dir = tempDir();
  writeTree(dir, { 'refs/r1.png': 'x' });
  writeFileSync(join(dir, 'sweep.yaml'), content);
  return join(dir, 'sweep.yaml');
}

function refusal(fn: () => unknown): SweepError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SweepError) return e;
    throw e;
  }
  throw new Error('expected a SweepError');
}

/** A "billion laughs" file: 9^depth strings from a few hundred bytes. */
function aliasBomb(depth: number): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= depth; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
    );
  return lines.join('\n') + '\n';
}

describe('hostile or damaged YAML files', () => {
  it('names the line of an unknown key, not the line of its mapping', () => {
    const lines = SWEEP.split('\n');
    expect(lines[31]).toBe('');
    const cases: [string, number, string | undefined][] = [
      [SWEEP + 'seedz: [3]\n', 32, undefined],
      [SWEEP.replace('  native:', '  natve:'), 27, 'images'],
      [SWEEP.replace('    kind: unrelated\n', '    kind: unrelated\n    txt: x\n'), 22, 'prompts.1'],
      [SWEEP.replace('  references: refs\n', '  references: refs\n  referenses: refs\n'), 7, 'lora'],
    ];
    for (const [text, line, field] of cases) {
      const err = refusal(() => loadSweep(sweepFile(text)));
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]).toMatchObject({ line, field });
      expect(err.message).toMatch(new RegExp(`sweep\\.yaml:${line}: .*[Uu]nrecognized key`));
    }
  });

  it('names the file and line of a YAML syntax error in one line', () => {
    const cases: [string, number][] = [
      [SWEEP.replace('concept_tags: [blonde_hair]', 'concept_tags: [blonde_hair]]'), 5],
      [SWEEP.replace('    kind: concept\n', '    kind: concept\n   text: twice\n'), 19],
      [SWEEP.replace('    text: "a cafe"\n', '    text: "a cafe\n'), 22],
      [SWEEP + 'x: [1, 2\n', 33],
      [SWEEP.replace('name: t', 'name: t\nname: u'), 2],
    ];
    for (const [text, line] of cases) {
      const err = refusal(() => loadSweep(sweepFile(text)));
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0].line, err.message).toBe(line);
      expect(err.message).toMatch(/^.*sweep\.yaml:\d+: YAML syntax: [^\n]+$/);
    }
  });

  it('refuses an alias bomb before it fills the memory', () => {
    for (const depth of [4, 8, 12]) {
      const err = refusal(() => loadSweep(sweepFile(aliasBomb(depth))));
      expect(err.message).toMatch(/sweep\.yaml: YAML aliases \(\*name\) expand too much/);
    }
    // a few aliases, as people write them, are fine
    const anchored = SWEEP.replace('  base:\n    - nai\n    - sd15\n', '  base: &bases\n    - nai\n    - sd15\n').replace('# the seeds', 'x-extra: *bases');
    expect(refusal(() => loadSweep(sweepFile(anchored))).message).toMatch(/Unrecognized key: "x-extra"/);
  });

  it('refuses a file that is not UTF-8, naming the line, instead of reading U+FFFD', () => {
    const cases: [Buffer, number][] = [
      [Buffer.from(SWEEP.replace('a cafe', 'a caf\u00e9'), 'latin1'), 22],
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SWEEP, 'utf16le')]), 1],
      [Buffer.concat([Buffer.from(SWEEP), Buffer.from([0xc3])]), 32],
    ];
    for (const [bytes, line] of cases) {
      const err = refusal(() => loadSweep(sweepFile(bytes)));
      expect(err.message).toMatch(new RegExp(`sweep\\.yaml:${line}: not UTF-8 text`));
    }
    // UTF-8 with a byte-order mark and non-ASCII text is fine
    const ok = sweepFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SWEEP.replace('a cafe', 'a café ☕'))]));
    expect(loadSweep(ok).prompts.get('cafe')?.text).toBe('a café ☕');
  });

  it('refuses a multi-megabyte string with its size, field and line', () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const err = refusal(() => loadSweep(sweepFile(SWEEP.replace('text: "a cafe"', `text: "${huge}"`))));
    expect(err.problems[0]).toMatchObject({ line: 22, field: 'prompts.1.text' });
    expect(err.message).toContain(`string of 5,242,880 characters; at most ${MAX_YAML_STRING_CHARS.toLocaleString('en-US')} are accepted`);
    const atLimit = 'y'.repeat(MAX_YAML_STRING_CHARS);
    expect(loadSweep(sweepFile(SWEEP.replace('text: "a cafe"', `text: "${atLimit}"`))).prompts.get('cafe')?.text).toHaveLength(MAX_YAML_STRING_CHARS);
  });

  it('applies the same refusals to experiment and hypotheses files', () => {
    const bomb = sweepFile(aliasBomb(10));
    expect(() => loadExperiment(bomb)).toThrow(/YAML aliases/);
    expect(() => parseYamlFile(bomb, HypothesesSchema)).toThrow(/YAML aliases/);
    const latin1 = sweepFile(Buffer.from('hypotheses:\n  - id: caf\u00e9\n', 'latin1'));
    expect(() => parseYamlFile(latin1, HypothesesSchema)).toThrow(/sweep\.yaml:2: not UTF-8 text/);
    expect(() => loadExperiment(latin1)).toThrow(/sweep\.yaml:2: not UTF-8 text/);
  });

  it('keeps references inside the sweep folder or its root, as images are, also through links', () => {
    const outside = tempDir();
    writeTree(outside, { 'r.png': 'x' });
    const refused: [string, RegExp][] = [
      ['references: ..', /lora\.references: reference folder .* leaves the sweep/],
      ['references: ../elsewhere', /lora\.references: reference folder .* leaves the sweep/],
      [`references: ${outside}`, /lora\.references: reference folder .* leaves the sweep/],
      ['references: linked', /lora\.references: reference folder .*linked links outside the sweep \(to /],
      ['references: refs\n  style_references: ../style', /lora\.style_references: reference folder .* leaves the sweep/],
    ];
    for (const [line, message] of refused) {
      const file = sweepFile(SWEEP.replace('references: refs', line));
      symlinkSync(outside, join(file, '..', 'linked'));
      const err = refusal(() => loadSweep(file));
      expect(err.message, line).toMatch(message);
    }
    // inside the sweep folder, or inside a root that is elsewhere, is fine
    const file = sweepFile(SWEEP.replace('references: refs', 'references: sub/refs'));
    writeTree(join(file, '..'), { 'sub/refs/a.png': 'x' });
    expect(loadSweep(file).references).toHaveLength(1);
    const withRoot = sweepFile(SWEEP.replace('name: t', `name: t\nroot: ${outside}`).replace('references: refs', `references: ${outside}`));
    expect(loadSweep(withRoot).references).toEqual([join(outside, 'r.png')]);
  });
});
