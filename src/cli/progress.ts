import cliProgress from 'cli-progress';
import type { Progress } from '../score/progress.js';

/** A progress bar on a terminal; plain milestone lines (every 10 %) when output goes to a file or CI log. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      start(label, total) {
        bar = new cliProgress.SingleBar(
          { format: `${label.padEnd(9)} {bar} {percentage}% | {value}/{total} | {eta_formatted} left`, stream, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      },
      advance(by = 1) {
        bar?.increment(by);
      },
      stop() {
        bar?.stop();
        bar = undefined;
      },
      info(line) {
        stream.write(`${line}\n`);
      },
      warn(line) {
        stream.write(`warning: ${line}\n`);
      },
    };
  }
  let label = '';
  let total = 0;
  let done = 0;
  let nextMilestone = 0;
  let startedAt = 0;
  let lastLine = 0;
  return {
    start(l, t) {
      label = l;
      total = t;
      done = 0;
      nextMilestone = 0.1;
      startedAt = Date.now();
      lastLine = startedAt;
      stream.write(`${label}: ${total} item(s)\n`);
    },
    advance(by = 1) {
      done += by;
      // One line per 10 % reached, but not more than one a second, and always the last.
      if (total === 0 || done / total < nextMilestone - 1e-9) return;
      while (nextMilestone <= done / total + 1e-9) nextMilestone += 0.1;
      const now = Date.now();
      if (done < total && now - lastLine < 1000) return;
      lastLine = now;
      stream.write(`${label}: ${Math.floor((done / total) * 100)}% (${done}/${total}, ${((now - startedAt) / 1000).toFixed(1)} s)\n`);
    },
    stop() {},
    info(line) {
      stream.write(`${line}\n`);
    },
    warn(line) {
      stream.write(`warning: ${line}\n`);
    },
  };
}
