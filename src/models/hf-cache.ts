import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The Hugging Face hub cache layout, shared with Python's huggingface_hub and transformers.js:
 *
 *   <cache>/models--<org>--<name>/blobs/<etag>              file contents (etag: sha256 for LFS files, git sha1 otherwise)
 *   <cache>/models--<org>--<name>/snapshots/<commit>/<path>  relative symlinks into blobs/
 *   <cache>/models--<org>--<name>/refs/<revision>            the commit a branch or tag resolved to
 */

type Env = Record<string, string | undefined>;

/** The cache root, looked up in the same order as huggingface_hub. */
export function hubCacheDir(env: Env = process.env): string {
  if (env.HF_HUB_CACHE) return resolve(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return resolve(env.HUGGINGFACE_HUB_CACHE);
  const hfHome = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return resolve(hfHome, 'hub');
}

export function repoFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.split('/').join('--')}`);
}

export function snapshotDir(cacheDir: string, repo: string, commit: string): string {
  return join(repoFolder(cacheDir, repo), 'snapshots', commit);
}

export function blobFile(cacheDir: string, repo: string, etag: string): string {
  return join(repoFolder(cacheDir, repo), 'blobs', etag);
}

export const COMMIT = /^[0-9a-f]{40}$/;

/** The commit a revision points to in the cache, or undefined when the revision was never fetched. */
export function cachedCommit(cacheDir: string, repo: string, revision: string): string | undefined {
  if (COMMIT.test(revision)) return revision;
  const ref = join(repoFolder(cacheDir, repo), 'refs', revision);
  if (!existsSync(ref)) return undefined;
  const commit = readFileSync(ref, 'utf8').trim();
  return COMMIT.test(commit) ? commit : undefined;
}

export function writeRef(cacheDir: string, repo: string, revision: string, commit: string): void {
  if (COMMIT.test(revision)) return;
  const ref = join(repoFolder(cacheDir, repo), 'refs', revision);
  mkdirSync(dirname(ref), { recursive: true });
  // huggingface_hub writes the bare hash without a newline.
  writeFileSync(ref, commit);
}

/** Points snapshots/<commit>/<path> at blobs/<etag> with a relative link, as huggingface_hub does. */
export function linkSnapshotFile(cacheDir: string, repo: string, commit: string, path: string, etag: string): string {
  const link = join(snapshotDir(cacheDir, repo, commit), path);
  mkdirSync(dirname(link), { recursive: true });
  const target = relative(dirname(link), blobFile(cacheDir, repo, etag));
  let present = false;
  try {
    present = lstatSync(link) !== undefined;
  } catch {
    present = false;
  }
  if (present) unlinkSync(link);
  try {
    symlinkSync(target, link);
  } catch {
    // Where links are not allowed (some Windows set-ups) huggingface_hub moves the blob into the snapshot instead.
    renameSync(blobFile(cacheDir, repo, etag), link);
  }
  return link;
}

export interface HubOrigin {
  repo: string;
  commit: string;
  /** Path of the file inside the repository. */
  path: string;
}

/** Repository, commit and path of a file inside a cache snapshot; undefined for any other file. */
export function hubOrigin(file: string): HubOrigin | undefined {
  const parts = resolve(file).split(sep);
  for (let i = parts.length - 3; i >= 0; i--) {
    if (parts[i].startsWith('models--') && parts[i + 1] === 'snapshots' && COMMIT.test(parts[i + 2] ?? '')) {
      return { repo: parts[i].slice('models--'.length).split('--').join('/'), commit: parts[i + 2], path: parts.slice(i + 3).join('/') };
    }
  }
  return undefined;
}

/** The name a model folder goes by in scores: the repository name for a cache snapshot, else the folder name. */
export function modelFolderId(dir: string): string {
  const origin = hubOrigin(join(dir, 'x'));
  if (origin && origin.path === 'x') return origin.repo.split('/').pop()!;
  return resolve(dir).split(sep).pop()!;
}

/**
 * Key of a pulled file in models.lock.json: the repository and path, not the machine's cache folder, so the lock file
 * means the same on every machine. The commit is left out on purpose: a new revision whose bytes differ is refused
 * until it is re-pinned, as for a replaced local file.
 */
export function hubLockKey(file: string): string | undefined {
  const origin = hubOrigin(file);
  return origin && origin.path ? `hf://${origin.repo}/${origin.path}` : undefined;
}
