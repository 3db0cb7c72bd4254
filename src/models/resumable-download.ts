import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, statSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** sha256 and git blob sha1 of content, fed in pieces; the Hub names LFS files by the first, other files by the second. */
export class FileDigest {
  private sha256: Hash = createHash('sha256');
  private gitSha1: Hash;

  constructor(readonly size: number) {
    this.gitSha1 = createHash('sha1').update(`blob ${size}\0`);
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.gitSha1.update(chunk);
  }

  digest(): { sha256: string; gitSha1: string } {
    return { sha256: this.sha256.digest('hex'), gitSha1: this.gitSha1.digest('hex') };
  }
}

/** Digests of a file on disk. */
export async function digestFile(file: string): Promise<{ sha256: string; gitSha1: string; bytes: number }> {
  const bytes = statSync(file).size;
  const d = new FileDigest(bytes);
  for await (const chunk of createReadStream(file)) d.update(chunk as Buffer);
  return { ...d.digest(), bytes };
}

/** The connection ended before the whole file came; the bytes so far are kept for the next try. */
export class DownloadInterrupted extends Error {
  constructor(
    readonly received: number,
    readonly size: number,
    reason: string,
  ) {
    super(`interrupted after ${received} of ${size} bytes: ${reason}`);
    this.name = 'DownloadInterrupted';
  }
}

/** The server answered with an error status. */
export class DownloadRefused extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`HTTP ${status} for ${url}`);
    this.name = 'DownloadRefused';
  }
}

export interface ResumableDownload {
  url: string;
  token?: string;
  /** Size the Hub reports; the download is complete at exactly this many bytes. */
  size: number;
  /** Partial file, appended to; kept when the connection drops so that the next try resumes. */
  partial: string;
  /** Seconds without data before the connection counts as dropped. */
  timeoutSeconds: number;
  onBytes?: (n: number) => void;
  fetch?: typeof fetch;
}

/**
 * Downloads url into the partial file, resuming with a Range request from the bytes already there, and returns
 * the digests of the whole file. A server that ignores the Range (200 instead of 206) restarts the file from zero,
 * so bytes are never appended at the wrong offset.
 */
export async function downloadResumable(d: ResumableDownload): Promise<{ sha256: string; gitSha1: string; resumedFrom: number }> {
  let have = existsSync(d.partial) ? statSync(d.partial).size : 0;
  if (have > d.size) {
    truncateSync(d.partial, 0);
    have = 0;
  }
  let digest = new FileDigest(d.size);
  let resumedFrom = have;
  if (have > 0) for await (const chunk of createReadStream(d.partial, { end: have - 1 })) digest.update(chunk as Buffer);
  d.onBytes?.(have);

  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(new Error(`no data for ${d.timeoutSeconds} s`)), d.timeoutSeconds * 1000);
  };
  const headers: Record<string, string> = {};
  if (d.token) headers.Authorization = `Bearer ${d.token}`;
  if (have > 0 && have < d.size) headers.Range = `bytes=${have}-`;

  let received = have;
  const handle = await open(d.partial, have === 0 ? 'w' : 'a');
  try {
    if (have < d.size) {
      idle();
      let res: Response;
      try {
        res = await (d.fetch ?? fetch)(d.url, { headers, signal: abort.signal });
      } catch (e) {
        throw new DownloadInterrupted(received, d.size, errorText(e));
      }
      const rangeStart = res.status === 206 ? Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1]) : 0;
      if (res.status === 206 && rangeStart !== have) throw new DownloadInterrupted(received, d.size, `server resumed at byte ${rangeStart}, not ${have}`);
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        throw new DownloadRefused(res.status, d.url);
      }
      if (res.status === 200 && have > 0) {
        await handle.truncate(0);
        d.onBytes?.(-have);
        received = 0;
        digest = new FileDigest(d.size);
        resumedFrom = 0;
      }
      received = await appendBody(res, handle, digest, received, d, idle);
    }
  } finally {
    clearTimeout(timer);
    await handle.close();
  }
  if (received !== d.size) throw new DownloadInterrupted(received, d.size, 'the connection closed early');
  return { ...digest.digest(), resumedFrom };
}

async function appendBody(
  res: Response,
  handle: Awaited<ReturnType<typeof open>>,
  digest: FileDigest,
  received: number,
  d: ResumableDownload,
  idle: () => void,
): Promise<number> {
  if (!res.body) throw new DownloadInterrupted(received, d.size, 'empty response');
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      idle();
      if (received + chunk.length > d.size) throw new DownloadInterrupted(received, d.size, `the server sent more than ${d.size} bytes`);
      await handle.write(chunk);
      digest.update(chunk);
      received += chunk.length;
      d.onBytes?.(chunk.length);
    }
  } catch (e) {
    if (e instanceof DownloadInterrupted) throw e;
    throw new DownloadInterrupted(received, d.size, errorText(e));
  }
  return received;
}

function errorText(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
