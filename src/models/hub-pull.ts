import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, statfsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileDownloadInfo, HubApiError, listFiles, modelInfo, pathsInfo, type PathInfo } from '@huggingface/hub';
import { EXIT, UserError } from '../errors.js';
import { ModelLock } from '../runtime/model-lock.js';
import { blobFile, cachedCommit, COMMIT, linkSnapshotFile, snapshotDir, writeRef } from './hf-cache.js';
import { formatBytes } from './format-bytes.js';
import type { HubEnv } from './hub-env.js';
import { hubFetch } from './hub-fetch.js';
import { proxyForScheme } from './hub-proxy.js';
import { cardFiles, loaderFiles, parseModelName, type ModelName } from './model-name.js';
import { readCards, type ModelCard } from './registry.js';
import { filesInSnapshot } from './snapshot-files.js';
import { digestFile, DownloadInterrupted, DownloadRefused, downloadResumable } from './resumable-download.js';

export interface PullOptions {
  /** Card id or "org/name", optionally "@revision". */
  target: string;
  revision?: string;
  /** ONNX file variant: "fp32" (the plain files), "quantized", "fp16", … */
  variant?: string;
  /** models.lock.json to pin the files in. */
  lock: string;
  /** Re-pin files whose sha256 differs from their pin instead of refusing them. */
  relock?: boolean;
  hub: HubEnv;
  progress?: PullProgress;
  cards?: ModelCard[];
  /** Tries per file when the connection drops; each resumes where the last stopped. */
  attempts?: number;
}

export interface PullProgress {
  info(line: string): void;
  warn(line: string): void;
  fileStart(path: string, bytes: number): void;
  fileBytes(n: number): void;
  fileDone(): void;
}

export interface PulledFile {
  path: string;
  /** The file in the snapshot folder. */
  file: string;
  sha256: string;
  bytes: number;
  lfs: boolean;
  action: 'downloaded' | 'resumed' | 'cached';
}

export interface PullResult {
  repo: string;
  revision: string;
  commit: string;
  snapshot: string;
  files: PulledFile[];
}

const quiet: PullProgress = { info() {}, warn() {}, fileStart() {}, fileBytes() {}, fileDone() {} };

/** A checksum mismatch: the work ran and what came back is wrong. */
export class ChecksumError extends UserError {
  constructor(message: string) {
    super(message, EXIT.failed);
    this.name = 'ChecksumError';
  }
}

/**
 * Downloads the files a model needs into the Hugging Face cache, verifies every file against the Hub's hash
 * (sha256 for LFS files, git sha1 for the others), pins their sha256 in the lock file and records the commit the
 * revision resolved to. Interrupted downloads resume; with HF_HUB_OFFLINE only the cache is read.
 */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const progress = options.progress ?? quiet;
  const cards = options.cards ?? readCards();
  const model = parseModelName(options.target, cards, options.revision);
  if (!model) throw new UserError(`${options.target}: not a model card id (see lora-eval models list) nor a Hugging Face repository "org/name"`);
  if (!model.repo) throw new UserError(`${model.name}: ${model.card!.source}; it is made locally, not pulled from the Hub`);
  if (model.card?.status) progress.warn(`${model.card.id}: ${model.card.status}`);
  const hub = options.hub;
  const pulled = hub.offline ? await fromCache(model, options) : await fromHub(model, options, progress);
  pin(pulled, options);
  writeRef(hub.cacheDir, pulled.repo, pulled.revision, pulled.commit);
  return pulled;
}

function pin(pulled: PullResult, options: PullOptions): void {
  const lock = new ModelLock(options.lock);
  for (const f of pulled.files) {
    if (options.relock) lock.forget(f.file);
    lock.verify(f.file, f.sha256, f.bytes);
  }
  lock.save();
}

/** A cached file checked against its blob's name, which is the Hub's hash of it (when the cache links to blobs). */
async function verifiedCachedFile(path: string, file: string): Promise<PulledFile> {
  const got = await digestFile(file);
  const name = basename(realpathSync(file));
  const lfs = /^[0-9a-f]{64}$/.test(name);
  const expected = lfs ? got.sha256 : COMMIT.test(name) ? got.gitSha1 : name;
  if (expected !== name) throw new ChecksumError(`${file}: its content does not match the hash it is stored under (${name}); delete it and pull again`);
  return { path, file, sha256: got.sha256, bytes: got.bytes, lfs, action: 'cached' };
}

async function fromCache(model: ModelName, options: PullOptions): Promise<PullResult> {
  const { cacheDir } = options.hub;
  const repo = model.repo!;
  const commit = cachedCommit(cacheDir, repo, model.revision);
  const snapshot = commit ? snapshotDir(cacheDir, repo, commit) : '';
  const found = commit ? filesInSnapshot(model, snapshot, options.variant) : { missing: ['everything'] };
  if (!commit || found.missing.length > 0) {
    const what = commit ? ` (missing ${found.missing.join(', ')})` : '';
    throw new UserError(
      `HF_HUB_OFFLINE is set and ${repo}@${model.revision} is not in the Hugging Face cache ${cacheDir}${what}; unset HF_HUB_OFFLINE to download it`,
    );
  }
  const files: PulledFile[] = [];
  for (const path of found.files!) files.push(await verifiedCachedFile(path, join(snapshot, path)));
  return { repo, revision: model.revision, commit, snapshot, files };
}

function hubError(e: unknown, repo: string, revision: string, hub: HubEnv): never {
  if (e instanceof HubApiError) {
    const page = `${hub.endpoint}/${repo}`;
    if (e.statusCode === 401 || e.statusCode === 403) {
      const token = hub.tokenSource
        ? `the token from ${hub.tokenSource} was refused; check that it is valid and that its account accepted the terms on ${page}`
        : `set HF_TOKEN to an access token of an account that accepted its terms on ${page}`;
      throw new UserError(`${repo}: the Hub answered ${e.statusCode} (gated or private repository); ${token}`);
    }
    if (e.statusCode === 404) throw new UserError(`${repo}: no model repository with revision "${revision}" on ${hub.endpoint}`);
    throw new UserError(`${repo}: the Hub answered ${e.statusCode}: ${e.message.split('. URL:')[0]}`, EXIT.failed);
  }
  if (e instanceof TypeError && /access token/i.test(e.message))
    throw new UserError(`${hub.tokenSource}: not a Hugging Face access token (they start with "hf_")`);
  const err = e as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (err?.message === 'fetch failed' || err?.cause?.code) {
    const why = err.cause?.code ?? err.cause?.errors?.[0]?.code ?? err.cause?.message ?? err.message;
    const proxy = proxyForScheme(hub.endpoint, hub.proxy);
    const check = proxy ? `the network, HF_ENDPOINT, ${proxy.name}=${proxy.url} or NO_PROXY` : 'the network or HF_ENDPOINT';
    throw new UserError(`cannot reach ${hub.endpoint} (${why}); check ${check}, or set HF_HUB_OFFLINE=1 to use the cache only`, EXIT.failed);
  }
  throw e;
}

async function fromHub(model: ModelName, options: PullOptions, progress: PullProgress): Promise<PullResult> {
  const { hub } = options;
  const repo = model.repo!;
  const access = { hubUrl: hub.endpoint, accessToken: hub.token, fetch: hubFetch(hub.proxy) };
  let commit: string;
  let infos: PathInfo[];
  let wanted: string[];
  try {
    const info = await modelInfo({ name: repo, revision: model.revision, additionalFields: ['sha'], ...access });
    commit = info.sha;
    if (!COMMIT.test(commit ?? '')) throw new UserError(`${repo}: the Hub did not say which commit "${model.revision}" is (got "${commit}")`, EXIT.failed);
    if (model.card) wanted = cardFiles(model.card, options.variant);
    else {
      const listing: string[] = [];
      for await (const entry of listFiles({ repo, revision: commit, recursive: true, ...access })) if (entry.type === 'file') listing.push(entry.path);
      const chosen = loaderFiles(listing, options.variant);
      if (!chosen)
        throw new UserError(
          `${repo}@${commit.slice(0, 12)}: not a CLIP export (onnx/vision_model.onnx + onnx/text_model.onnx or onnx/model.onnx, ` +
            `tokenizer.json, preprocessor_config.json), a WD14 tagger (model.onnx + selected_tags.csv), a DINOv2 export ` +
            `(onnx/model.onnx + preprocessor_config.json) nor a CCIP repository (<model>/model_feat.onnx, model_metrics.onnx, metrics.json)` +
            (options.variant ? ` in variant ${options.variant}` : ''),
        );
      wanted = chosen.files;
    }
    infos = await pathsInfo({ repo, paths: wanted, revision: commit, ...access });
  } catch (e) {
    if (e instanceof UserError) throw e;
    hubError(e, repo, model.revision, hub);
  }
  const byPath = new Map(infos.filter((i) => i.type === 'file').map((i) => [i.path, i]));
  const absent = wanted.filter((f) => !byPath.has(f));
  if (absent.length) throw new UserError(`${repo}@${commit.slice(0, 12)} has no ${absent.join(', ')}${options.variant ? ` (variant ${options.variant})` : ''}`);

  const total = wanted.reduce((sum, f) => sum + (byPath.get(f)!.lfs?.size ?? byPath.get(f)!.size), 0);
  progress.info(`${repo}: revision ${model.revision} is commit ${commit}; ${wanted.length} file(s), ${formatBytes(total)}`);
  warnIfShortOfSpace(hub.cacheDir, total, progress);
  const files: PulledFile[] = [];
  for (const path of wanted) files.push(await fetchFile(repo, commit, byPath.get(path)!, options, progress, access.fetch));
  return { repo, revision: model.revision, commit, snapshot: snapshotDir(hub.cacheDir, repo, commit), files };
}

/** As huggingface_hub does: a warning, since blobs already cached need no new space. */
function warnIfShortOfSpace(cacheDir: string, bytes: number, progress: PullProgress): void {
  let dir = cacheDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const { bavail, bsize } = statfsSync(dir);
  if (bavail * bsize < bytes) progress.warn(`${cacheDir} has ${formatBytes(bavail * bsize)} free; the model needs up to ${formatBytes(bytes)}`);
}

function mismatch(info: PathInfo, got: { sha256: string; gitSha1: string }): string | undefined {
  if (info.lfs) return got.sha256 === info.lfs.oid ? undefined : `sha256 ${got.sha256} but the Hub lists ${info.lfs.oid}`;
  return got.gitSha1 === info.oid ? undefined : `git sha1 ${got.gitSha1} but the Hub lists ${info.oid}`;
}

async function fetchFile(
  repo: string,
  commit: string,
  info: PathInfo,
  options: PullOptions,
  progress: PullProgress,
  fetch: typeof globalThis.fetch,
): Promise<PulledFile> {
  const { hub } = options;
  const etag = info.lfs?.oid ?? info.oid;
  if (!etag) throw new UserError(`${repo}: the Hub gave no hash for ${info.path}; refusing a file that cannot be verified`, EXIT.failed);
  const size = info.lfs?.size ?? info.size;
  const blob = blobFile(hub.cacheDir, repo, etag);
  const done = (action: PulledFile['action'], sha256: string): PulledFile => ({
    path: info.path,
    file: linkSnapshotFile(hub.cacheDir, repo, commit, info.path, etag),
    sha256,
    bytes: size,
    lfs: Boolean(info.lfs),
    action,
  });

  if (existsSync(blob)) {
    const got = await digestFile(blob);
    const wrong = mismatch(info, got);
    if (!wrong) return done('cached', got.sha256);
    progress.warn(`${info.path}: the cached copy ${blob} has ${wrong}; downloading it again`);
    rmSync(blob);
  }

  const partial = `${blob}.incomplete`;
  mkdirSync(dirname(blob), { recursive: true });
  const attempts = options.attempts ?? 5;
  let url: string | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      if (!url) {
        const download = await fileDownloadInfo({ repo, path: info.path, revision: commit, hubUrl: hub.endpoint, accessToken: hub.token, fetch });
        if (!download) throw new UserError(`${repo}@${commit.slice(0, 12)}: ${info.path} disappeared between listing and download`, EXIT.failed);
        if (download.size !== size)
          throw new UserError(`${repo}: ${info.path} is ${download.size} bytes at its download URL but ${size} in the listing`, EXIT.failed);
        url = download.url;
      }
      const have = existsSync(partial) ? statSync(partial).size : 0;
      if (have > 0) progress.info(`${info.path}: resuming at byte ${have} of ${size}`);
      progress.fileStart(info.path, size);
      let got;
      try {
        got = await downloadResumable({
          url,
          token: hub.token,
          size,
          partial,
          timeoutSeconds: hub.timeoutSeconds,
          onBytes: (n) => progress.fileBytes(n),
          fetch,
        });
      } finally {
        progress.fileDone();
      }
      const wrong = mismatch(info, got);
      if (wrong) {
        rmSync(partial, { force: true });
        // A resumed file may have been spoiled by its earlier part; a fresh download gets one more chance.
        if (got.resumedFrom > 0 && attempt < attempts) {
          progress.warn(`${info.path}: ${wrong} after resuming; downloading it again from the start`);
          continue;
        }
        throw new ChecksumError(`${repo}@${commit.slice(0, 12)}: ${info.path} downloaded with ${wrong}; refused, nothing was installed`);
      }
      renameSync(partial, blob);
      return done(got.resumedFrom > 0 ? 'resumed' : 'downloaded', got.sha256);
    } catch (e) {
      if (e instanceof DownloadInterrupted && attempt < attempts) {
        progress.warn(`${info.path}: ${e.message}; retrying (${attempt}/${attempts - 1})`);
        continue;
      }
      if (e instanceof DownloadInterrupted) throw new UserError(`${repo}: ${info.path} ${e.message}; run the same command again to resume`, EXIT.failed);
      if (e instanceof DownloadRefused) hubError(new HubApiError(url ?? info.path, e.status), repo, commit, hub);
      if (e instanceof UserError) throw e;
      hubError(e, repo, commit, hub);
    }
  }
}
