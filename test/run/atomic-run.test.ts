import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { writeFileAtomic } from '../../src/run/atomic-write.js';
import { readRunJson } from '../../src/run/run-json.js';
import { loadScoreTable } from '../../src/run/score-table.js';
import { sha256 } from '../../src/store/hash.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { CLIP, cliUnder, ROOT, smallSweep, TAGGER, TSX } from './helpers.js';

const linux = process.platform === 'linux';
/** A private mount namespace lets a test mount a tiny tmpfs and fill it, without touching the machine's disks. */
const canMountTmpfs = linux && spawnSync('unshare', ['-r', '-m', 'true']).status === 0;

const snapshot = (dir: string) => ({ scores: readFileSync(join(dir, 'scores.csv')), run: readFileSync(join(dir, 'run.json')) });
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('a finished run survives a re-score that cannot write', () => {
  it.skipIf(!linux)(
    'when the file size limit is hit (EFBIG): the old scores.csv and run.json stay whole and are still accepted',
    () => {
      const dir = tempDir();
      const sweep = smallSweep(dir, 'anything', { longNames: true });
      const out = join(dir, 'run');
      const args = ['score', sweep, '--clip', CLIP, '--out', out, '--lock', join(dir, 'lock.json')];
      expect(cliUnder('', args).code).toBe(0);
      const before = snapshot(out);
      // Above what SQLite needs to open the store (its 32 KiB shared-memory file), below the size of scores.csv.
      const limitKb = 40;
      expect(before.scores.length).toBeGreaterThan(limitKb * 1024 + 8192);

      const again = cliUnder(`ulimit -f ${limitKb}`, args);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(
        `error: cannot write ${join(out, 'scores.csv')}: file too large for the file system (EFBIG); the file was left as it was\n`,
      );
      expect(again.stderr).not.toMatch(/^\s+at /m);
      const after = snapshot(out);
      expect(after.scores.equals(before.scores)).toBe(true);
      expect(after.run.equals(before.run)).toBe(true);
      expect(leftovers(out)).toEqual([]);
      expect(loadScoreTable(out).rows.length).toBe(readRunJson(out)!.scores!.rows);
    },
    240_000,
  );

  it.skipIf(!canMountTmpfs)(
    'when the disk is full (ENOSPC on a tiny tmpfs): adding the tagger leaves the old run whole',
    () => {
      const dir = tempDir();
      const sweep = smallSweep(dir);
      const mount = join(dir, 'disk');
      mkdirSync(mount);
      mkdirSync(join(dir, 'before'));
      const cli = `"${process.execPath}" --import "${TSX}" "${ROOT}/src/cli/main.ts"`;
      const common = `"${sweep}" --clip "${CLIP}" --out "${mount}/run" --store "${dir}/store.sqlite" --lock "${dir}/lock.json"`;
      const script = [
        'set -u',
        `mount -t tmpfs -o size=1m tmpfs "${mount}" || exit 90`,
        `${cli} score ${common} || exit 91`,
        `cp "${mount}/run/scores.csv" "${mount}/run/run.json" "${dir}/before/"`,
        `head -c 4m /dev/zero > "${mount}/fill" 2>/dev/null`,
        `${cli} score ${common} --tagger "${TAGGER}" 2> "${dir}/stderr"; echo $? > "${dir}/rc"`,
        `rm "${mount}/fill"; cp -r "${mount}/run" "${dir}/after"`,
      ].join('\n');
      const run = spawnSync('unshare', ['-r', '-m', 'bash', '-c', script], { encoding: 'utf8', timeout: 240_000 });
      expect(run.status, run.stderr).toBe(0);
      expect(Number(readFileSync(join(dir, 'rc'), 'utf8'))).toBe(1);
      expect(readFileSync(join(dir, 'stderr'), 'utf8')).toContain(
        `error: cannot write ${mount}/run/scores.csv: no space left on device (ENOSPC); free some space and run again; the file was left as it was`,
      );
      for (const f of ['scores.csv', 'run.json']) expect(readFileSync(join(dir, 'after', f)).equals(readFileSync(join(dir, 'before', f)))).toBe(true);
      expect(leftovers(join(dir, 'after'))).toEqual([]);
      expect(loadScoreTable(join(dir, 'after')).rows.length).toBe(readRunJson(join(dir, 'after'))!.scores!.rows);
    },
    240_000,
  );
});

describe('writeFileAtomic', () => {
  it('replaces a file whole, leaves no temporary file, and writes devices such as /dev/null directly', () => {
    const dir = tempDir();
    const file = join(dir, 'a.txt');
    writeFileAtomic(file, 'old\n');
    writeFileAtomic(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['a.txt']);
    expect(() => writeFileAtomic('/dev/null', 'x')).not.toThrow();
    expect(() => writeFileAtomic(join(dir, 'missing', 'b.txt'), 'x')).toThrow(`cannot write ${join(dir, 'missing', 'b.txt')}: no such file or folder (ENOENT)`);
  });
});

describe('a scores.csv that does not match its run.json', () => {
  let dir: string;
  let out: string;
  let csv: string;
  let lines: string[];
  beforeAll(() => {
    dir = tempDir();
    out = join(dir, 'run');
    expect(runCli(['score', smallSweep(dir), '--clip', CLIP, '--out', out, '--lock', join(dir, 'lock.json')]).code).toBe(0);
    csv = join(out, 'scores.csv');
    lines = readFileSync(csv, 'utf8').split('\n');
  }, 240_000);

  it('run.json records the row count and sha256 of scores.csv', () => {
    const run = readRunJson(out)!;
    expect(run.scores).toEqual({ file: 'scores.csv', rows: lines.length - 2, sha256: sha256(readFileSync(csv)) });
    expect(lines.at(-1)).toBe('');
  });

  it('is refused by analyze, check and report when cut on a row boundary, naming the file and both counts', () => {
    const whole = readFileSync(csv);
    const baseline = join(dir, 'baseline');
    mkdirSync(baseline);
    writeFileSync(join(baseline, 'scores.csv'), whole);
    expect(runCli(['analyze', out, '--reps', '100']).code).toBe(0);
    const kept = lines.length - 2 - 7;
    writeFileSync(csv, lines.slice(0, kept + 1).join('\n') + '\n');
    try {
      const expected = `${csv}: does not match ${join(out, 'run.json')} (the file has ${kept} rows`;
      for (const args of [
        ['analyze', out],
        ['check', out, '--baseline', baseline],
        ['report', out, '--no-png'],
        ['analyze', csv],
      ]) {
        const run = runCli(args);
        expect(run.code, args.join(' ')).toBe(2);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(run.stderr).toContain(expected);
        expect(run.stderr).toContain(`run.json records ${lines.length - 2} rows`);
      }
      expect(() => analyze({ input: out, reps: 100 })).toThrow(/cut or changed after scoring/);
    } finally {
      writeFileSync(csv, whole);
    }
  }, 120_000);

  it('is refused when one value was edited, with the same row count', () => {
    const whole = readFileSync(csv, 'utf8');
    const edited = whole.replace(/,(0\.\d)(\d*)\n/, (_, a: string, b: string) => `,${a}${b.replace(/\d$/, (d) => String((Number(d) + 1) % 10))}\n`);
    expect(edited).not.toBe(whole);
    writeFileSync(csv, edited);
    try {
      expect(() => loadScoreTable(out)).toThrow(`the file has ${lines.length - 2} rows`);
    } finally {
      writeFileSync(csv, whole);
    }
    expect(loadScoreTable(out).rows).toHaveLength(lines.length - 2);
    expect(statSync(csv).size).toBe(Buffer.byteLength(whole));
  });
});
