import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { CLIP, smallSweep, TAGGER } from '../run/helpers.js';

const runJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));

describe('lora-eval merge', () => {
  it('refuses shards scored against other reference images, and counts what every shard could not compute', () => {
    const dir = tempDir();
    // One sweep on two "machines": the same sweep.yaml and images at two paths; the second machine's copy of the
    // reference folder lacks one image (style references default to the references).
    const sweep = smallSweep(join(dir, 'a'));
    cpSync(join(dir, 'a'), join(dir, 'b'), { recursive: true });
    cpSync(join(dir, 'a'), join(dir, 'c'), { recursive: true });
    rmSync(join(dir, 'c', 'refs', 'ref-01.png'));
    const lock = join(dir, 'lock.json');
    const score = (machine: string, shard: string, out: string) => {
      const r = runCli([
        'score',
        join(dir, machine, 'sweep.yaml'),
        '--clip',
        CLIP,
        '--tagger',
        TAGGER,
        '--lock',
        lock,
        '--shard',
        shard,
        '--out',
        join(dir, out),
      ]);
      expect(r.code, r.stderr).toBe(0);
    };
    score('a', '0/2', 's0');
    score('b', '1/2', 's1');
    score('c', '1/2', 's1-fewer-refs');
    expect(runCli(['score', sweep, '--clip', CLIP, '--tagger', TAGGER, '--lock', lock, '--out', join(dir, 'whole')]).code).toBe(0);

    const refused = runCli(['merge', join(dir, 's0'), join(dir, 's1-fewer-refs'), '--out', join(dir, 'mixed')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${join(dir, 's1-fewer-refs')}: scored against other reference images than ${join(dir, 's0')}`);
    expect(refused.stderr).toContain('lora.references: 7 image(s) against 8, 0 only in this run and 1 only in the other (e.g. ref-01.png');

    // The same reference images at another path merge.
    const merged = runCli(['merge', join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'merged')]);
    expect(merged.code, merged.stderr).toBe(0);
    const whole = runJson(join(dir, 'whole'));
    // The fixture tagger has no detail tag: no image has detail_tags, in either shard.
    expect(Object.values(whole.unavailable as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(runJson(join(dir, 'merged')).unavailable).toEqual(whole.unavailable);
    expect(
      runJson(join(dir, 'merged'))
        .style_references.map((r: { sha256: string }) => r.sha256)
        .sort(),
    ).toEqual(whole.style_references.map((r: { sha256: string }) => r.sha256).sort());
  }, 240_000);

  it("refuses a shard whose store is not at hand, and analyze will not compute embedding tables from part of a run's images", () => {
    const dir = tempDir();
    const sweep = smallSweep(join(dir, 'sweep'));
    const lock = join(dir, 'lock.json');
    for (const shard of [0, 1]) {
      const r = runCli(['score', sweep, '--clip', CLIP, '--lock', lock, '--shard', `${shard}/2`, '--out', join(dir, `s${shard}`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    // Shard 1 came back from its machine without the store it wrote there.
    cpSync(join(dir, 's1'), join(dir, 's1-no-store'), { recursive: true });
    rmSync(join(dir, 's1-no-store', 'store.sqlite'));
    rmSync(join(dir, 's1', 'store.sqlite'));
    const refused = runCli(['merge', join(dir, 's0'), join(dir, 's1-no-store'), '--out', join(dir, 'partial')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `${join(dir, 's1-no-store')}: no store.sqlite, and the store its run.json names (${join(dir, 's1', 'store.sqlite')}) is not there`,
    );

    // A store that lacks one scored image's embedding (here deleted by hand) gives no distances or diversities.
    const full = runCli(['score', sweep, '--clip', CLIP, '--lock', lock, '--out', join(dir, 'whole')]);
    expect(full.code, full.stderr).toBe(0);
    const complete = runCli(['analyze', join(dir, 'whole'), '--reps', '100']);
    expect(complete.code, complete.stderr).toBe(0);
    expect(complete.stdout).not.toContain('unavailable');
    const db = new Database(join(dir, 'whole', 'store.sqlite'));
    const { key, sha256 } = db.prepare('SELECT key, sha256 FROM images WHERE native = 0 ORDER BY key LIMIT 1').get() as { key: string; sha256: string };
    db.prepare('DELETE FROM vectors WHERE content_sha = ?').run(sha256);
    db.close();
    const partial = runCli(['analyze', join(dir, 'whole'), '--reps', '100']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stdout).toContain(
      `model distance and diversity unavailable: ${join(dir, 'whole', 'store.sqlite')} lacks the embeddings of 1 of the 20 scored images (e.g. ${key})`,
    );
  }, 240_000);

  it('refuses shards that read different bytes for one weight-0 image, naming the shard, the image and both sha256', async () => {
    const dir = tempDir();
    smallSweep(join(dir, 'a'));
    cpSync(join(dir, 'a'), join(dir, 'b'), { recursive: true });
    // Machine b holds the same picture re-encoded: other bytes, which its deltas and style axis are measured against.
    const native = 'native/anything/portrait-1.png';
    writeFileSync(
      join(dir, 'b', native),
      await sharp(join(dir, 'a', native))
        .png({ compressionLevel: 1 })
        .toBuffer(),
    );
    const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    const [mine, theirs] = [sha(join(dir, 'a', native)), sha(join(dir, 'b', native))];
    expect(mine).not.toBe(theirs);
    const lock = join(dir, 'lock.json');
    for (const [machine, shard] of [
      ['a', 0],
      ['b', 1],
      ['a', 1],
    ] as const) {
      const r = runCli([
        'score',
        join(dir, machine, 'sweep.yaml'),
        '--clip',
        CLIP,
        '--lock',
        lock,
        '--shard',
        `${shard}/2`,
        '--out',
        join(dir, `${machine}${shard}`),
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    // Each shard records every weight-0 image of the sweep, its own and those its images are compared with.
    expect(runJson(join(dir, 'b1')).natives.map((n: { image: string }) => n.image)).toHaveLength(10);
    expect(runJson(join(dir, 'b1')).natives.find((n: { image: string }) => n.image === native).sha256).toBe(theirs);

    const refused = runCli(['merge', join(dir, 'a0'), join(dir, 'b1'), '--out', join(dir, 'mixed')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${join(dir, 'b1')}: weight-0 image ${native} has sha256 ${theirs} there and ${mine} in ${join(dir, 'a0')}`);
    expect(existsSync(join(dir, 'mixed', 'run.json'))).toBe(false);

    const merged = runCli(['merge', join(dir, 'a0'), join(dir, 'a1'), '--out', join(dir, 'merged')]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(runJson(join(dir, 'merged')).natives).toHaveLength(10);
  }, 240_000);
});
