import cliProgress from 'cli-progress';
import type { PullProgress } from '../models/hub-pull.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A byte progress bar per file on a terminal; a line at the start, every 25 % and the end otherwise. */
export function pullProgress(stream: NodeJS.WriteStream = process.stderr): PullProgress {
  const line = (text: string) => stream.write(`${text}\n`);
  let bar: cliProgress.SingleBar | undefined;
  let path = '';
  let size = 0;
  let done = 0;
  let nextQuarter = 0.25;
  return {
    info: line,
    warn: (text) => line(`warning: ${text}`),
    fileStart(p, bytes) {
      path = p;
      size = bytes;
      done = 0;
      nextQuarter = 0.25;
      if (stream.isTTY) {
        bar = new cliProgress.SingleBar(
          {
            format: `${p} {bar} {percentage}% | {have} of {size} | {eta_formatted} left`,
            stream,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(bytes, 0, { have: formatBytes(0), size: formatBytes(bytes) });
      } else line(`downloading ${p} (${formatBytes(bytes)})`);
    },
    fileBytes(n) {
      done += n;
      if (bar) bar.update(done, { have: formatBytes(done) });
      else if (size > 0 && done < size && done / size >= nextQuarter) {
        line(`${path}: ${Math.floor((done / size) * 100)}% (${formatBytes(done)})`);
        while (nextQuarter <= done / size) nextQuarter += 0.25;
      }
    },
    fileDone() {
      bar?.stop();
      bar = undefined;
    },
  };
}
