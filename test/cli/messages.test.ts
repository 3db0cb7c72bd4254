import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { a1111Infotext, pngWithText } from '../ingest/helpers/images.js';
import { smallDemoSweep, PORTRAIT, GARDEN } from '../helpers/small-sweep.js';

const CLIP = resolve('fixtures/models/clip');

/** stderr is exactly one "error: …" line: no stack trace, no second line. */
function oneErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '' && l !== '(add --help for usage)');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

describe('usage mistakes exit 2 with one line', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['score', 'sweep.yaml', '--clip', CLIP, '--frob'], /unknown option '--frob'/],
    [['analyze'], /missing required argument 'run'/],
    [['check', 'run'], /required option '--baseline <run>' not specified/],
    [['inspect', 'meta', '--nope', 'x.png'], /unknown option '--nope'/],
    [['score', 'sweep.yaml', '--clip', CLIP, '--shard', '0/0'], /--shard 0\/0: N is the number of shards and must be at least 1/],
    [['score', 'sweep.yaml', '--clip', CLIP, '--max-pixels', '0'], /--max-pixels must be a positive integer, got "0"/],
  ];
  for (const [args, message] of cases) {
    it(`lora-eval ${args.join(' ').replace(CLIP, '<clip>')}`, () => {
      const run = runCli(args);
      expect(run.code).toBe(2);
      expect(oneErrorLine(run.stderr)).toMatch(message);
    });
  }

  it('exits 2 without a command and 0 for --help and --version', () => {
    expect(runCli([]).code).toBe(2);
    expect(runCli(['--help']).code).toBe(0);
    expect(runCli(['score', '--help']).code).toBe(0);
    expect(runCli(['--version']).code).toBe(0);
  });
});

describe('damaged sweep files: one line with the file (and line), exit 2', () => {
  it('alias bomb, non-UTF-8 text, an unknown key and a multi-megabyte prompt', () => {
    const dir = smallDemoSweep([PORTRAIT, GARDEN]);
    const sweep = readFileSync(join(dir, 'sweep.yaml'), 'utf8');
    const files: [string, string | Buffer, RegExp][] = [
      [
        'bomb.yaml',
        [
          'a: &a [x,x,x,x,x,x,x,x,x]',
          ...Array.from(
            { length: 9 },
            (_, i) =>
              `b${i}: &b${i} [${Array(9)
                .fill(i ? `*b${i - 1}` : '*a')
                .join(',')}]`,
          ),
        ].join('\n'),
        /bomb\.yaml: YAML aliases/,
      ],
      ['latin1.yaml', Buffer.from(sweep.replace('smile', 'souri\u00e9'), 'latin1'), /latin1\.yaml:4: not UTF-8 text/],
      ['typo.yaml', sweep + 'seedz: [5]\n', /typo\.yaml:7: Unrecognized key: "seedz"/],
      ['huge.yaml', sweep.replace('1girl, smile', 'z'.repeat(3_000_000)), /huge\.yaml:4: prompts\.0\.text: string of 3,000,0\d\d characters/],
    ];
    for (const [name, content, message] of files) {
      writeFileSync(join(dir, name), content);
      const run = runCli(['score', join(dir, name), '--clip', CLIP, '--out', join(dir, 'out'), '--lock', join(dir, 'lock.json')]);
      expect(run.code, name).toBe(2);
      expect(oneErrorLine(run.stderr)).toMatch(message);
    }
  });
});

describe('outputs that cannot be written: one line naming the file', () => {
  let images: string;
  beforeAll(async () => {
    images = tempDir();
    const text = a1111Infotext({ prompt: 'anis, 1girl, <lora:anis:1>', negative: 'lowres', seed: 1, model: 'anything' });
    writeFileSync(join(images, 'a.png'), await pngWithText(8, 8, 1, [{ keyword: 'parameters', text }]));
    mkdirSync(join(images, 'refs'));
  });

  it('references outside the sweep are refused before anything is written, exit 2', () => {
    const elsewhere = tempDir();
    const run = runCli(['ingest', images, '--references', elsewhere, '--out', join(images, 'sweep.yaml')]);
    expect(run.code).toBe(2);
    expect(oneErrorLine(run.stderr)).toBe(
      `error: --references ${elsewhere}: ${elsewhere} is outside the sweep's folder ${images}; copy the reference images into it`,
    );
    expect(existsSync(join(images, 'sweep.yaml'))).toBe(false);
  });

  it('a full disk exits 1', () => {
    const run = runCli(['ingest', images, '--references', join(images, 'refs'), '--out', '/dev/full']);
    expect(run.code).toBe(1);
    expect(oneErrorLine(run.stderr)).toBe('error: cannot write /dev/full: no space left on device (ENOSPC); free some space and run again');
  });

  it('an output path under a file exits 2', () => {
    const run = runCli(['ingest', images, '--references', join(images, 'refs'), '--out', join(images, 'a.png', 'sweep.yaml')]);
    expect(run.code).toBe(2);
    expect(oneErrorLine(run.stderr)).toBe(`error: --out ${join(images, 'a.png', 'sweep.yaml')}: ${join(images, 'a.png')} is a file, not a folder`);
  });

  it.runIf(process.platform === 'linux')('a read-only location exits 2', () => {
    const run = runCli(['ingest', images, '--references', join(images, 'refs'), '--out', '/sys/lora-eval-sweep.yaml']);
    expect(run.code).toBe(2);
    expect(oneErrorLine(run.stderr)).toMatch(
      /^error: cannot write \/sys\/lora-eval-sweep\.yaml: (permission denied \(EACCES\)|read-only file system \(EROFS\))$/,
    );
  });
});

describe('scoring and reading runs', () => {
  let dir: string;
  let run0: string;
  beforeAll(() => {
    dir = smallDemoSweep([PORTRAIT, GARDEN]);
    run0 = join(dir, 'run0');
    const scored = runCli(['score', join(dir, 'sweep.yaml'), '--clip', CLIP, '--out', run0, '--lock', join(dir, 'lock.json')]);
    expect(scored.code, scored.stderr).toBe(0);
    const analyzed = runCli(['analyze', run0, '--reps', '100']);
    expect(analyzed.code, analyzed.stderr).toBe(0);
  }, 120_000);

  it('--strict stops at a missing or undecodable image with one line, exit 1', () => {
    const broken = smallDemoSweep([PORTRAIT, GARDEN]);
    rmSync(join(broken, 'anylora/anything/w1/portrait-2.png'));
    let run = runCli(['score', join(broken, 'sweep.yaml'), '--clip', CLIP, '--out', join(broken, 'out'), '--lock', join(dir, 'lock.json'), '--strict']);
    expect(run.code).toBe(1);
    expect(oneErrorLine(run.stderr)).toBe(
      `error: ${join(broken, 'anylora/anything/w1/portrait-2.png')}: missing image for base=anylora target=anything weight=1 prompt=portrait seed=2 (--strict stops at the first image that cannot be scored)`,
    );
    writeFileSync(join(broken, 'anylora/anything/w1/portrait-2.png'), 'not a picture\n');
    run = runCli(['score', join(broken, 'sweep.yaml'), '--clip', CLIP, '--out', join(broken, 'out'), '--lock', join(dir, 'lock.json'), '--strict']);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      expect.stringMatching(/^error: .*portrait-2\.png: not an image: .*\(--strict stops at the first image that cannot be scored\)$/),
    ]);
  }, 120_000);

  it('states the pixel limit with the image size and the option that raises it', () => {
    const run = runCli([
      'score',
      join(dir, 'sweep.yaml'),
      '--clip',
      CLIP,
      '--out',
      join(dir, 'small-limit'),
      '--lock',
      join(dir, 'lock.json'),
      '--max-pixels',
      '1000',
    ]);
    expect(run.code).toBe(1);
    const failed = run.stderr.split('\n').filter((l) => l.startsWith('failed: '));
    expect(failed.length).toBeGreaterThan(0);
    for (const line of failed) expect(line).toMatch(/: too large: \d+×\d+ = [\d,]+ pixels exceeds the limit of 1,000; raise the limit with --max-pixels$/);
  }, 120_000);

  it('a truncated scores.csv or cells.csv is one line, exit 2', () => {
    const cut = join(dir, 'cut');
    cpSync(run0, cut, { recursive: true });
    const scores = readFileSync(join(run0, 'scores.csv'), 'utf8');
    writeFileSync(join(cut, 'scores.csv'), scores.slice(0, Math.floor(scores.length / 2)));
    let run = runCli(['analyze', cut, '--reps', '100']);
    expect(run.code).toBe(2);
    oneErrorLine(run.stderr);

    cpSync(run0, cut, { recursive: true });
    const cells = readFileSync(join(run0, 'cells.csv'), 'utf8');
    writeFileSync(join(cut, 'cells.csv'), cells.slice(0, cells.indexOf('\n', cells.length / 2) + 8));
    run = runCli(['report', cut]);
    expect(run.code).toBe(2);
    expect(oneErrorLine(run.stderr)).toMatch(new RegExp(`^error: ${join(cut, 'cells.csv')}: malformed CSV \\(truncated or damaged file\\?\\)`));
  }, 120_000);
});
