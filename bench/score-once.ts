/** One scoring run in its own process, so that its peak memory is its own. Prints a JSON line. */
import { scoreSweep } from '../src/score/score-sweep.js';

const [sweep, out, batch, tagger] = process.argv.slice(2);
const started = performance.now();
const result = await scoreSweep({
  sweep,
  clip: 'fixtures/models/clip',
  tagger: tagger && tagger !== '-' ? tagger : undefined,
  out,
  lock: `${out}/models.lock.json`,
  batchSize: Number(batch),
});
console.log(
  JSON.stringify({
    ms: performance.now() - started,
    images: result.images.scored,
    encoded: result.images.encoded,
    failures: result.failures.length,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
