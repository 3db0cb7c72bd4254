// Preloaded with `node --import` into a measured process: at exit, writes the process's own peak RSS and CPU time
// (all its threads) to the file named by LORA_EVAL_BENCH_USAGE.
import { writeFileSync } from 'node:fs';

const file = process.env.LORA_EVAL_BENCH_USAGE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKiB: u.maxRSS, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000 }));
  });
}
