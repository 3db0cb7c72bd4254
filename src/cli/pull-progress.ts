import cliProgress from 'cli-progress';
import { formatBytes } from '../models/format-bytes.js';
import type { PullProgress } from '../models/hub-pull.js';

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
