import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { buildRatingPlan, type RatingPlan } from '../../src/rate/plan.js';
import { readRatingRecords, readRatings } from '../../src/rate/ratings-csv.js';
import { startRatingServer, type RatingServer } from '../../src/rate/server.js';
import { readScoresCsv } from '../../src/run/scores-csv.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { createRng } from '../../src/stats/random.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
/** The planted rater: picks the image with the higher style_retention, but flips with probability FLIP and cannot tell with probability CANT. */
const FLIP = 0.15;
const CANT = 0.05;

function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; type?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: res.headers['content-type'] }));
    });
    req.on('error', fail);
    req.end();
  });
}

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(new URL(path, url), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('lora-eval rate on the scored demo run', () => {
  let run: string;
  let style: Map<string, number>;
  beforeAll(async () => {
    run = tempDir();
    const scored = await scoreSweep({
      sweep: 'fixtures/demo/sweep.yaml',
      clip: 'fixtures/models/clip',
      tagger: 'fixtures/models/tagger-v3',
      out: run,
      lock: join(run, 'models.lock.json'),
    });
    expect(scored.exitCode).toBe(0);
    style = new Map(scored.rows.filter((r) => r.metric === 'style_retention').map((r) => [r.image, r.value]));
  }, 300_000);

  /** A copy of the run whose scores.csv is edited by `edit`, recorded in its run.json as if scored so (the run folder's own check passes). */
  function editedRun(edit: (csv: string) => string): string {
    const dir = tempDir();
    const text = edit(readFileSync(join(run, 'scores.csv'), 'utf8'));
    writeFileSync(join(dir, 'scores.csv'), text);
    const runJson = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    const scores = { ...runJson.scores, sha256: createHash('sha256').update(text).digest('hex') };
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runJson, scores }, null, 2));
    return dir;
  }

  describe('plan', () => {
    it('chooses concept pairs from concept prompts only, and the same pairs for the same seed', async () => {
      const plan = await buildRatingPlan({ run, task: 'concept', pairs: 30, repeatShare: 0.1, seed: 2 });
      expect(plan.metric).toBe('concept_probability');
      const sweep = parseYaml(readFileSync('fixtures/demo/sweep.yaml', 'utf8')) as { prompts: { id: string; kind: string }[] };
      const conceptPrompts = new Set(sweep.prompts.filter((p) => p.kind === 'concept').map((p) => p.id));
      const chosen = new Set(plan.items.map((i) => i.prompt));
      expect(chosen.size).toBeGreaterThan(1);
      for (const prompt of chosen) expect(conceptPrompts).toContain(prompt);
      expect((await buildRatingPlan({ run, task: 'concept', pairs: 30, repeatShare: 0.1, seed: 2 })).items).toEqual(plan.items);
    });

    it('refuses an image path that leaves the sweep root', async () => {
      const dir = editedRun((csv) => csv.replaceAll('anylora/nai/w1/portrait-2.png', '../demo-hypotheses.yaml'));
      await expect(buildRatingPlan({ run: dir, task: 'style', pairs: 2000, repeatShare: 0, seed: 1 })).rejects.toThrow(
        /image "\.\.\/demo-hypotheses\.yaml" is not a file inside the sweep root/,
      );
    });

    it('refuses an image that changed since it was scored', async () => {
      const sha = readScoresCsv(join(run, 'scores.csv')).rows.find((r) => r.image === 'anylora/nai/w1/portrait-2.png')!.sha256;
      const dir = editedRun((csv) => csv.replaceAll(sha, '0'.repeat(64)));
      await expect(buildRatingPlan({ run: dir, task: 'style', pairs: 2000, repeatShare: 0, seed: 1 })).rejects.toThrow(
        /portrait-2\.png: changed since it was scored/,
      );
    });

    it('refuses a bare scores.csv', async () => {
      await expect(buildRatingPlan({ run: join(run, 'scores.csv'), task: 'style', pairs: 10, repeatShare: 0, seed: 1 })).rejects.toThrow(/needs a run folder/);
    });
  });

  describe('server', () => {
    let plan: RatingPlan;
    let server: RatingServer;
    beforeAll(async () => {
      const dir = editedRun((csv) => csv);
      plan = await buildRatingPlan({ run: dir, task: 'style', pairs: 10, repeatShare: 0, seed: 1 });
      server = await startRatingServer({ plan, rater: 'probe' });
    });
    afterAll(() => server.close());

    it('serves the images of the plan by index, byte for byte, and nothing else', async () => {
      const image = await rawGet(server.url, '/image/0');
      expect(image.status).toBe(200);
      expect(image.type).toBe('image/png');
      expect(image.body.equals(readFileSync(plan.imageFiles[0]))).toBe(true);
      for (const path of [
        '/image/../../../../etc/passwd',
        '/image/..%2f..%2f..%2fetc%2fpasswd',
        '/image/%2e%2e/run.json',
        `/image/${plan.imageFiles.length}`,
        '/image/-1',
        '/image/0x1',
        '/reference/99999',
        '/scores.csv',
        '/ratings.csv',
        '/run.json',
        '/../run.json',
        '//etc/passwd',
      ]) {
        const res = await rawGet(server.url, path);
        expect(res.status, path).toBe(404);
        expect(res.body.toString(), path).toBe('{"error":"not found"}');
      }
    });

    it('refuses another Host (DNS rebinding), cross-origin posts and non-JSON posts, and bad answers', async () => {
      expect((await rawGet(server.url, '/api/session', { Host: 'attacker.example:80' })).status).toBe(403);
      expect((await post(server.url, '/api/answer', { item: 0, choice: 'left' }, { Origin: 'http://attacker.example' })).status).toBe(403);
      const form = await fetch(new URL('/api/answer', server.url), {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: '{"item":0,"choice":"left"}',
      });
      expect(form.status).toBe(415);
      expect((await post(server.url, '/api/answer', { item: 0, choice: 'both' })).status).toBe(400);
      expect((await post(server.url, '/api/answer', { item: 99, choice: 'left' })).status).toBe(400);
      expect((await post(server.url, '/api/undo', {})).status).toBe(409);
    });

    it('a restarted server resumes from ratings.csv', async () => {
      for (const [item, choice] of [
        [0, 'left'],
        [1, 'cant_tell'],
        [2, 'right'],
      ] as const)
        expect((await post(server.url, '/api/answer', { item, choice })).status).toBe(200);
      expect((await post(server.url, '/api/undo', {})).status).toBe(200);
      expect((await post(server.url, '/api/answer', { item: 0, choice: 'right' })).status).toBe(409);
      const again = await startRatingServer({ plan, rater: 'probe' });
      const other = await startRatingServer({ plan, rater: 'someone else' });
      try {
        expect((await (await fetch(new URL('/api/session', again.url))).json()).answered).toEqual([0, 1]);
        expect((await (await fetch(new URL('/api/session', other.url))).json()).answered).toEqual([]);
      } finally {
        await again.close();
        await other.close();
      }
    });
  });

  describe.skipIf(!process.env.CI && !existsSync(CHROMIUM))('in a real headless browser', () => {
    let browser: Browser;
    let plan: RatingPlan;
    const servers: RatingServer[] = [];
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
      plan = await buildRatingPlan({ run, task: 'style', pairs: 60, repeatShare: 0.15, seed: 5 });
    }, 60_000);
    afterAll(async () => {
      for (const s of servers) await s.close();
      await browser?.close();
    });

    /** The planted rule plus noise, drawn per rater and pair so that a reload or undo does not change the answer. */
    function plantedChoice(rater: string, item: number): 'ArrowLeft' | 'ArrowRight' | 'ArrowDown' {
      const { left, right } = plan.items[item];
      const u = createRng(`${rater}:${item}`).next();
      if (u < CANT) return 'ArrowDown';
      const higherLeft = style.get(left)! > style.get(right)!;
      return higherLeft !== u < CANT + FLIP ? 'ArrowLeft' : 'ArrowRight';
    }

    async function open(rater: string): Promise<{ page: Page; requests: string[]; errors: string[]; url: string }> {
      const server = await startRatingServer({ plan, rater });
      servers.push(server);
      const page = await browser.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(server.url);
      await page.waitForSelector('body[data-ready="true"]');
      return { page, requests, errors, url: server.url };
    }

    const currentItem = async (page: Page) => Number(await page.locator('#pair').getAttribute('data-item'));
    const rated = async (page: Page) => Number((await page.locator('#progress-text').textContent())!.split(' ')[0]);

    async function press(page: Page, key: string, expectRated: number): Promise<void> {
      await page.keyboard.press(key);
      await page.waitForFunction((n) => document.getElementById('progress-text')!.textContent!.startsWith(`${n} of`), expectRated);
    }

    async function rateAll(page: Page, rater: string): Promise<void> {
      for (let n = await rated(page); n < plan.items.length; n++) await press(page, plantedChoice(rater, await currentItem(page)), n + 1);
      await page.waitForSelector('#done:not([hidden])');
      expect(await page.locator('#pair').isVisible()).toBe(false);
    }

    it('scripted raters rate by keyboard; a reload resumes; undo withdraws; every answer is on disk as given', async () => {
      const total = plan.items.length;
      // ann: 12 answers, a reload, a wrong answer taken back with undo, then the rest.
      const ann = await open('ann');
      expect(await ann.page.locator('#question').textContent()).toBe('Which keeps the training style more?');
      const left = ann.page.locator('#left');
      await left.evaluate((img: HTMLImageElement) => img.decode());
      const width = await left.evaluate((img: HTMLImageElement) => img.naturalWidth);
      expect(width).toBe((await sharp(plan.imageFiles[plan.imageIndex.get(plan.items[0].left)!]).metadata()).width);
      expect(await ann.page.locator('#references img').count()).toBeGreaterThan(0);
      for (let n = 0; n < 12; n++) await press(ann.page, plantedChoice('ann', await currentItem(ann.page)), n + 1);
      expect(readRatings(plan.ratingsFile).filter((r) => r.rater === 'ann')).toHaveLength(12);
      await ann.page.reload();
      await ann.page.waitForSelector('body[data-ready="true"]');
      expect(await rated(ann.page)).toBe(12);
      expect(await currentItem(ann.page)).toBe(12);
      const wrong = plantedChoice('ann', 12) === 'ArrowLeft' ? 'ArrowRight' : 'ArrowLeft';
      await press(ann.page, wrong, 13);
      await press(ann.page, 'Backspace', 12);
      expect(await currentItem(ann.page)).toBe(12);
      await rateAll(ann.page, 'ann');
      expect(await rated(ann.page)).toBe(total);

      // bob and a rater whose name is markup rate everything.
      const bob = await open('bob');
      await rateAll(bob.page, 'bob');
      const hostile = await open(HOSTILE);
      expect(await hostile.page.locator('#rater').textContent()).toBe(`rating as ${HOSTILE}`);
      await rateAll(hostile.page, HOSTILE);
      for (const session of [ann, bob, hostile]) {
        expect(session.errors).toEqual([]);
        expect(session.requests.filter((u) => !u.startsWith(session.url))).toEqual([]);
        expect(await session.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(await session.page.locator('img[src="x"]').count()).toBe(0);
      }

      const records = readRatingRecords(plan.ratingsFile);
      expect(records).toHaveLength(3 * total + 2);
      expect(records.filter((r) => r.choice === 'undo')).toEqual([
        expect.objectContaining({ rater: 'ann', left: plan.items[12].left, right: plan.items[12].right }),
      ]);
      for (const r of records) expect([r.leftSha256, r.rightSha256]).toEqual([plan.imageSha256.get(r.left), plan.imageSha256.get(r.right)]);
      const keyToChoice = { ArrowLeft: 'left', ArrowRight: 'right', ArrowDown: 'cant_tell' };
      for (const rater of ['ann', 'bob', HOSTILE]) {
        const mine = readRatings(plan.ratingsFile).filter((r) => r.rater === rater);
        expect(mine).toHaveLength(total);
        for (const r of mine) {
          const item = plan.items.find((i) => i.left === r.left && i.right === r.right)!;
          expect(r.choice, `${rater} item ${item.id}`).toBe(keyToChoice[plantedChoice(rater, item.id)]);
        }
      }
    }, 240_000);

    it('after those ratings, analyze recovers the planted agreement within its CI, and measures the raters against each other and themselves', () => {
      analyze({ input: plan.runDir, reps: 1000 });
      const rows = parse(readFileSync(join(plan.runDir, 'agreement.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
      const row = rows.find((r) => r.task === 'style' && r.metric === 'style_retention')!;
      const [agreement, low, high] = [Number(row.agreement), Number(row.ci_low), Number(row.ci_high)];
      expect(low).toBeLessThanOrEqual(1 - FLIP);
      expect(high).toBeGreaterThanOrEqual(1 - FLIP);
      expect(high - low).toBeLessThan(0.25);
      expect(agreement).toBeGreaterThan(0.7);
      // τ-b runs over the 60 distinct pairs, each with the mean of its three raters' (and repeats') answers.
      expect(Number(row.tau_b)).toBeGreaterThan(0.3);
      expect(Number(row.tau_p)).toBeLessThan(1e-3);
      const summary = JSON.parse(readFileSync(join(plan.runDir, 'summary.json'), 'utf8'));
      const task = summary.rater_agreement.tasks[0];
      expect(task.raters).toHaveLength(3);
      // Two independent planted raters agree with probability 0.85² + 0.15².
      const expected = (1 - FLIP) ** 2 + FLIP ** 2;
      expect(task.rater_ci[0]).toBeLessThanOrEqual(expected);
      expect(task.rater_ci[1]).toBeGreaterThanOrEqual(expected);
      expect(task.krippendorff_alpha).toBeGreaterThan(0.2);
      const repeats = plan.items.filter((i) => i.repeatOf !== undefined).length;
      for (const s of task.self_consistency) expect(s.repeated).toBe(repeats);
    }, 60_000);

    it('renders a prompt that carries markup as text', async () => {
      const prompts = await buildRatingPlan({ run, task: 'prompt', pairs: 4, repeatShare: 0, seed: 1 });
      const hostilePlan = {
        ...prompts,
        ratingsFile: join(tempDir(), 'ratings.csv'),
        promptText: Object.fromEntries(Object.keys(prompts.promptText).map((p) => [p, HOSTILE])),
      };
      const server = await startRatingServer({ plan: hostilePlan, rater: 'carol' });
      servers.push(server);
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.locator('#question').textContent()).toBe('Which follows the prompt?');
      expect(await page.locator('#prompt').textContent()).toBe(HOSTILE);
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    }, 60_000);
  });
});
