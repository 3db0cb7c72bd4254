/** How long work reports its progress; the CLI supplies a bar or milestone lines, the library stays quiet. */
export interface Progress {
  start(label: string, total: number): void;
  advance(by?: number): void;
  stop(): void;
  /** A line for the user, printed without breaking a bar. */
  info(line: string): void;
  warn(line: string): void;
}

export const silentProgress: Progress = {
  start() {},
  advance() {},
  stop() {},
  info() {},
  warn() {},
};
