import { existsSync, readFileSync, statSync, type BigIntStats } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../run/atomic-write.js';
import { sha256File } from './hash.js';

interface Entry {
  size: string;
  mtime_ns: string;
  ctime_ns: string;
  ino: string;
  dev: string;
  sha256: string;
}

interface CacheFile {
  version: 1;
  files: Record<string, Entry>;
  /** Derived facts about a file's content (e.g. an ONNX model's input/output signature), keyed by sha256 and what was derived. */
  derived: Record<string, unknown>;
}

let computed = 0;

/** How many files this process has hashed by reading them (cache misses), for tests and run.json. */
export function filesHashed(): number {
  return computed;
}

function identity(st: BigIntStats): Omit<Entry, 'sha256'> {
  return { size: String(st.size), mtime_ns: String(st.mtimeNs), ctime_ns: String(st.ctimeNs), ino: String(st.ino), dev: String(st.dev) };
}

/**
 * sha256 of files, remembered by (path, size, mtime in ns, ctime in ns, inode, device) so that unchanged files are not
 * read again. The assumption: a file whose content changes also changes one of these. Writing to a file always sets its
 * mtime and ctime to the current time, and replacing it (rename) gives a new inode; only a tool that writes the same
 * number of bytes and then sets mtime back could fool the mtime, and it cannot set ctime back. A file whose
 * identity changed while it was read is hashed again.
 */
export class FileHashCache {
  private data: CacheFile = { version: 1, files: {}, derived: {} };
  private dirty = false;

  constructor(readonly file: string) {
    if (!existsSync(file)) return;
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
      if (parsed.version === 1 && parsed.files && parsed.derived) this.data = parsed;
    } catch {
      // A damaged cache only costs re-hashing: start empty and overwrite it.
    }
  }

  /** The sha256 of a file, from the cache when the file is unchanged. */
  async sha256(path: string): Promise<string> {
    const key = resolve(path);
    const before = identity(statSync(key, { bigint: true }));
    const hit = this.data.files[key];
    if (hit && sameIdentity(hit, before)) return hit.sha256;
    const sha = await sha256File(key);
    computed++;
    const after = identity(statSync(key, { bigint: true }));
    if (sameIdentity(before, after)) {
      this.data.files[key] = { ...after, sha256: sha };
      this.dirty = true;
    }
    return sha;
  }

  /** The cached sha256 of an unchanged file, and the identity to pass to `remember` after hashing bytes read now. */
  lookup(path: string): { sha256?: string; stamp: Omit<Entry, 'sha256'> } {
    const key = resolve(path);
    const stamp = identity(statSync(key, { bigint: true }));
    const hit = this.data.files[key];
    return { sha256: hit && sameIdentity(hit, stamp) ? hit.sha256 : undefined, stamp };
  }

  /** Records the sha256 of bytes read after `lookup` gave `stamp`, unless the file changed meanwhile. */
  remember(path: string, stamp: Omit<Entry, 'sha256'>, sha: string): void {
    computed++;
    if (!sameIdentity(stamp, identity(statSync(resolve(path), { bigint: true })))) return;
    this.data.files[resolve(path)] = { ...stamp, sha256: sha };
    this.dirty = true;
  }

  derived<T>(key: string): T | undefined {
    return this.data.derived[key] as T | undefined;
  }

  setDerived(key: string, value: unknown): void {
    this.data.derived[key] = value;
    this.dirty = true;
  }

  /** Writes the cache; a folder that cannot be written (read-only model mount) only costs re-hashing next time. */
  save(): void {
    if (!this.dirty) return;
    try {
      writeFileAtomic(this.file, JSON.stringify(this.data) + '\n');
    } catch {
      return;
    }
    this.dirty = false;
  }
}

function sameIdentity(a: Omit<Entry, 'sha256'>, b: Omit<Entry, 'sha256'>): boolean {
  return a.size === b.size && a.mtime_ns === b.mtime_ns && a.ctime_ns === b.ctime_ns && a.ino === b.ino && a.dev === b.dev;
}
