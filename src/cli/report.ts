import type { Command } from 'commander';
import { EXIT, runCommand } from './errors.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('charts (Vega-Lite + SVG/PNG), a self-contained report.html and LaTeX tables from an analyzed run')
    .argument('<run>', 'run folder after "lora-eval analyze" (cells.csv, tests.csv, summary.json)')
    .option('-o, --out <dir>', 'output folder (default: the run folder)')
    .option('--no-png', 'skip rasterizing the charts to PNG')
    .action((run: string, opts) =>
      runCommand(async () => {
        const { writeReport } = await import('../report/report.js');
        const result = await writeReport({ run, out: opts.out, png: opts.png });
        process.stdout.write(
          `wrote ${result.html}, ${result.latex} and ${result.charts.length} chart(s) in ${result.charts.length ? result.charts[0].replace(/\/[^/]*$/, '') : '-'}\n`,
        );
        return EXIT.ok;
      }),
    );
}
