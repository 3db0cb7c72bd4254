import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { hubLockKey } from '../models/hf-cache.js';
import { writeFileAtomic } from '../run/atomic-write.js';
import { ModelLoadError } from './errors.js';

export interface LockEntry {
  sha256: string;
  bytes: number;
  pinned: string;
}

type LockFile = { version: 1; files: Record<string, LockEntry> };

/**
 * models.lock.json: sha256 of every model file used, pinned on first use.
 * A file whose bytes changed since it was pinned is refused, so scores never silently mix models.
 */
export class ModelLock {
  private lock: LockFile;
  private changed = false;

  constructor(readonly file: string) {
    this.lock = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LockFile) : { version: 1, files: {} };
  }

  private keyOf(modelFile: string): string {
    const pulled = hubLockKey(modelFile);
    if (pulled) return pulled;
    return relative(dirname(resolve(this.file)), resolve(modelFile))
      .split(sep)
      .join('/');
  }

  /** Pins the file on first use; throws when it differs from its pin. */
  verify(modelFile: string, sha256: string, bytes: number): 'pinned' | 'verified' {
    const key = this.keyOf(modelFile);
    const entry = this.lock.files[key];
    if (!entry) {
      this.lock.files[key] = { sha256, bytes, pinned: new Date().toISOString().slice(0, 10) };
      this.changed = true;
      return 'pinned';
    }
    if (entry.sha256 !== sha256) {
      throw new ModelLoadError(
        modelFile,
        `sha256 ${sha256.slice(0, 12)}… differs from ${entry.sha256.slice(0, 12)}… pinned in ${this.file} on ${entry.pinned}; ` +
          `if the model was replaced on purpose, remove its entry ("${key}") from the lock file or run with --relock`,
      );
    }
    return 'verified';
  }

  forget(modelFile: string): void {
    delete this.lock.files[this.keyOf(modelFile)];
    this.changed = true;
  }

  save(): void {
    if (!this.changed) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const sorted = Object.fromEntries(Object.entries(this.lock.files).sort(([a], [b]) => a.localeCompare(b)));
    writeFileAtomic(this.file, JSON.stringify({ version: 1, files: sorted }, null, 2) + '\n');
    this.changed = false;
  }
}
