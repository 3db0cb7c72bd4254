import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1, answering the endpoints @huggingface/hub calls the way the Hub
 * does: model info, tree, paths-info, and resolve, which redirects LFS files to a separate storage origin. Both
 * serve Range requests with ETag and X-Repo-Commit headers. Faults are planted per test: a body cut short, bytes that
 * do not match the listed hash, a gated repository.
 */

export interface StandInRepo {
  files: Record<string, Buffer>;
  /** Answer 401 unless the request carries the accepted token. */
  gated?: boolean;
}

interface Entry {
  path: string;
  content: Buffer;
  oid: string;
  sha256: string;
  lfs: boolean;
}

export interface LoggedRequest {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
  /** The client's port, to match against a proxy's upstream sockets. */
  remotePort?: number;
}

export const ACCEPTED_TOKEN = 'hf_standInAcceptedToken';

const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every file under dir, keyed by its path with forward slashes. */
export function folderFiles(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) continue;
    const full = join(e.parentPath, e.name);
    out[relative(dir, full).split(sep).join('/')] = readFileSync(full);
  }
  return out;
}

export class HubStandIn {
  readonly requests: LoggedRequest[] = [];
  /** Path → bytes after which the storage server drops the connection, for the next `times` downloads. */
  readonly cuts = new Map<string, { after: number; times: number }>();
  /** Paths whose bytes are served with one byte flipped (the listing keeps the true hash). */
  readonly corrupt = new Set<string>();
  /** Answer resumed downloads (Range requests other than the size probe) with the whole file, as some mirrors do. */
  ignoreRange = false;
  private repos = new Map<string, { commit: string; entries: Map<string, Entry>; gated: boolean }>();
  private hub?: Server;
  private storage?: Server;
  endpoint = '';
  private storageUrl = '';

  constructor(repos: Record<string, StandInRepo>) {
    for (const [name, repo] of Object.entries(repos)) {
      const entries = new Map<string, Entry>();
      for (const [path, content] of Object.entries(repo.files).sort(([a], [b]) => a.localeCompare(b))) {
        // As in .gitattributes of the Hub's ONNX repositories: weights in LFS, text in git.
        entries.set(path, { path, content, oid: gitSha1(content), sha256: sha256(content), lfs: path.endsWith('.onnx') });
      }
      const commit = createHash('sha1')
        .update(name + [...entries.values()].map((e) => `${e.path}:${e.sha256}`).join('\n'))
        .digest('hex');
      this.repos.set(name, { commit, entries, gated: repo.gated ?? false });
    }
  }

  commitOf(repo: string): string {
    return this.repos.get(repo)!.commit;
  }

  sha256Of(repo: string, path: string): string {
    return this.repos.get(repo)!.entries.get(path)!.sha256;
  }

  async start(): Promise<void> {
    this.hub = createServer((req, res) => this.answer(req, res, () => this.hubRoute(req, res)));
    this.storage = createServer((req, res) => this.answer(req, res, () => this.storageRoute(req, res)));
    for (const server of [this.hub, this.storage]) await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    this.endpoint = `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
    this.storageUrl = `http://127.0.0.1:${(this.storage.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const server of [this.hub, this.storage]) {
      server?.closeAllConnections();
      await new Promise((ok) => server?.close(ok));
    }
  }

  /** Requests for file bytes (LFS storage and resolve of git files), excluding the 1-byte size probes. */
  downloads(): LoggedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && (r.url.startsWith('/lfs/') || r.url.includes('/resolve/')) && r.range !== 'bytes=0-0');
  }

  private answer(req: IncomingMessage, res: ServerResponse, route: () => void): void {
    this.requests.push({
      method: req.method!,
      url: req.url!,
      range: req.headers.range,
      authorization: req.headers.authorization,
      remotePort: req.socket.remotePort,
    });
    try {
      route();
    } catch (e) {
      this.json(res, 500, { error: String(e) });
    }
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }

  private repoFor(req: IncomingMessage, res: ServerResponse, name: string, revision: string) {
    const repo = this.repos.get(name);
    if (!repo) return void this.json(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
    if (repo.gated && req.headers.authorization !== `Bearer ${ACCEPTED_TOKEN}`)
      return void this.json(
        res,
        401,
        { error: `Access to model ${name} is restricted. You must have access to it and be authenticated to access it.` },
        { 'X-Error-Code': 'GatedRepo' },
      );
    if (revision !== 'main' && revision !== 'HEAD' && revision !== repo.commit)
      return void this.json(res, 404, { error: `Invalid rev id: ${revision}` }, { 'X-Error-Code': 'RevisionNotFound' });
    return repo;
  }

  private listing(e: Entry, commit: string) {
    return {
      type: 'file',
      oid: e.lfs ? gitSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${e.sha256}\nsize ${e.content.length}\n`)) : e.oid,
      size: e.content.length,
      path: e.path,
      ...(e.lfs && { lfs: { oid: e.sha256, size: e.content.length, pointerSize: 134 } }),
      lastCommit: { id: commit, title: 'Upload', date: '2026-01-01T00:00:00.000Z' },
    };
  }

  private hubRoute(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url!, this.endpoint);
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (parts[0] === 'api' && parts[1] === 'models') {
      const [, , org, name, action, revision, ...rest] = parts;
      const repo = this.repoFor(req, res, `${org}/${name}`, revision);
      if (!repo) return;
      if (action === 'revision') {
        return this.json(res, 200, {
          _id: repo.commit.slice(0, 24),
          id: `${org}/${name}`,
          sha: repo.commit,
          private: false,
          gated: repo.gated ? 'manual' : false,
          downloads: 0,
          likes: 0,
          lastModified: '2026-01-01T00:00:00.000Z',
          siblings: [...repo.entries.keys()].map((rfilename) => ({ rfilename })),
        });
      }
      if (action === 'tree') {
        const under = rest.join('/');
        const recursive = url.searchParams.get('recursive') === 'true';
        const files = [...repo.entries.values()].filter((e) => (under ? e.path.startsWith(`${under}/`) : true));
        const inFolder = files.filter((e) => recursive || !e.path.slice(under ? under.length + 1 : 0).includes('/'));
        const dirs = new Set(files.map((e) => e.path.split('/').slice(0, -1).join('/')).filter((d) => d && d !== under));
        return this.json(res, 200, [
          ...[...dirs].map((path) => ({ type: 'directory', oid: '0'.repeat(40), size: 0, path })),
          ...inFolder.map((e) => this.listing(e, repo.commit)),
        ]);
      }
      if (action === 'paths-info' && req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const { paths } = JSON.parse(body) as { paths: string[] };
          this.json(
            res,
            200,
            paths.filter((p) => repo.entries.has(p)).map((p) => this.listing(repo.entries.get(p)!, repo.commit)),
          );
        });
        return;
      }
    }
    const [org, name, action, revision, ...rest] = parts;
    if (action === 'resolve') {
      const repo = this.repoFor(req, res, `${org}/${name}`, revision);
      if (!repo) return;
      const entry = repo.entries.get(rest.join('/'));
      if (!entry) return this.json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
      const common = { 'X-Repo-Commit': repo.commit, 'Accept-Ranges': 'bytes' };
      if (entry.lfs) {
        res.writeHead(302, {
          ...common,
          Location: `${this.storageUrl}/lfs/${entry.sha256}?path=${encodeURIComponent(`${org}/${name}/${entry.path}`)}`,
          'X-Linked-Etag': `"${entry.sha256}"`,
          'X-Linked-Size': String(entry.content.length),
          ETag: `"${entry.oid}"`,
        });
        return void res.end();
      }
      return this.sendBytes(req, res, entry, { ...common, ETag: `"${entry.oid}"` });
    }
    this.json(res, 404, { error: 'Not found' });
  }

  private storageRoute(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url!, this.storageUrl);
    const sha = url.pathname.split('/')[2];
    for (const repo of this.repos.values())
      for (const entry of repo.entries.values())
        if (entry.sha256 === sha) return this.sendBytes(req, res, entry, { ETag: `"${sha}"`, 'Accept-Ranges': 'bytes' });
    res.writeHead(404).end();
  }

  private sendBytes(req: IncomingMessage, res: ServerResponse, entry: Entry, headers: Record<string, string>): void {
    let content = entry.content;
    if (this.corrupt.has(entry.path)) {
      content = Buffer.from(content);
      content[content.length >> 1] ^= 0xff;
    }
    const size = content.length;
    const ignored = this.ignoreRange && req.headers.range !== 'bytes=0-0';
    const m = ignored ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    const body = content.subarray(start, end + 1);
    res.writeHead(m ? 206 : 200, {
      ...headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
      ...(m && { 'Content-Range': `bytes ${start}-${end}/${size}` }),
    });
    if (req.method === 'HEAD') return void res.end();
    const cut = this.cuts.get(entry.path);
    if (cut && cut.times > 0 && body.length > 1 && cut.after - start > 0 && cut.after - start < body.length) {
      cut.times--;
      // Send part of the body, then drop the connection as a failing network would.
      res.write(body.subarray(0, cut.after - start), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  }
}
