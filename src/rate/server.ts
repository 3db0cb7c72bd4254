import { createReadStream, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from './page.js';
import type { RatingPlan } from './plan.js';
import { appendRating, CHOICES, readRatingRecords, standingRatings, type Choice, type RatingRecord } from './ratings-csv.js';

export interface RatingServerOptions {
  plan: RatingPlan;
  rater: string;
  /** 0: any free port. */
  port?: number;
  /** Clock for the time column; tests fix it. */
  now?: () => Date;
}

export interface RatingServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };
const MAX_BODY = 4096;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

function sendFile(res: ServerResponse, file: string): void {
  res.writeHead(200, {
    'Content-Type': IMAGE_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  createReadStream(file).pipe(res);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY) throw new HttpError(413, 'request too large');
  }
  try {
    const value = JSON.parse(body || '{}');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error();
    return value;
  } catch {
    throw new HttpError(400, 'the request body is not a JSON object');
  }
}

/**
 * Serves the rating page on 127.0.0.1 and appends each answer to the run's ratings.csv (fsynced) before it
 * acknowledges it, so the page never shows an answer as saved that is not on disk, and a reload resumes from the
 * file. Files are served only by their index in the plan: no path from a request ever reaches the file system.
 * Requests must name this server as their Host (against DNS rebinding) and answers must be same-origin JSON posts.
 */
export async function startRatingServer(options: RatingServerOptions): Promise<RatingServer> {
  const { plan, rater } = options;
  const now = options.now ?? (() => new Date());
  const mine = (r: RatingRecord) => r.rater === rater && r.task === plan.task;
  const records: RatingRecord[] = existsSync(plan.ratingsFile) ? readRatingRecords(plan.ratingsFile).filter(mine) : [];
  const itemKey = (left: string, right: string) => JSON.stringify([left, right]);
  const itemOf = new Map(plan.items.map((i) => [itemKey(i.left, i.right), i.id]));

  const answered = () => {
    const ids = new Set<number>();
    for (const r of standingRatings(records, plan.ratingsFile)) {
      const id = itemOf.get(itemKey(r.left, r.right));
      if (id !== undefined) ids.add(id);
    }
    return [...ids].sort((a, b) => a - b);
  };
  const record = (r: RatingRecord) => {
    appendRating(plan.ratingsFile, r);
    records.push(r);
  };

  const session = () => ({
    rater,
    task: plan.task,
    question: plan.question,
    showPrompt: plan.task === 'prompt',
    references: plan.referenceFiles.map((_, i) => `/reference/${i}`),
    items: plan.items.map((i) => ({
      id: i.id,
      left: `/image/${plan.imageIndex.get(i.left)}`,
      right: `/image/${plan.imageIndex.get(i.right)}`,
      promptText: plan.promptText[i.prompt] ?? i.prompt,
    })),
    answered: answered(),
  });

  const answer = (body: Record<string, unknown>) => {
    const id = body.item;
    const choice = body.choice;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= plan.items.length)
      throw new HttpError(400, `item must be an integer from 0 to ${plan.items.length - 1}`);
    if (typeof choice !== 'string' || !(CHOICES as readonly string[]).includes(choice)) throw new HttpError(400, `choice must be one of ${CHOICES.join(', ')}`);
    if (answered().includes(id)) throw new HttpError(409, `pair ${id + 1} is already rated; undo it first`);
    const item = plan.items[id];
    record({
      rater,
      task: plan.task,
      left: item.left,
      right: item.right,
      leftSha256: plan.imageSha256.get(item.left)!,
      rightSha256: plan.imageSha256.get(item.right)!,
      choice: choice as Choice,
      time: now().toISOString(),
    });
    return { answered: answered() };
  };

  const undo = () => {
    const standing = standingRatings(records, plan.ratingsFile);
    for (let i = standing.length - 1; i >= 0; i--) {
      const id = itemOf.get(itemKey(standing[i].left, standing[i].right));
      if (id === undefined) continue;
      record({ ...standing[i], choice: 'undo', time: now().toISOString() });
      return { undone: id, answered: answered() };
    }
    throw new HttpError(409, 'nothing to undo');
  };

  let hosts: Set<string> = new Set();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!hosts.has(req.headers.host ?? '')) throw new HttpError(403, 'unexpected Host header');
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'GET') {
      if (path === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      if (path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', PAGE_JS);
      if (path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
      if (path === '/api/session') return sendJson(res, 200, session());
      if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
      const file = /^\/(image|reference)\/(\d{1,9})$/.exec(path);
      if (file) {
        const list = file[1] === 'image' ? plan.imageFiles : plan.referenceFiles;
        const index = Number(file[2]);
        if (index < list.length) return sendFile(res, list[index]);
      }
      throw new HttpError(404, 'not found');
    }
    if (req.method === 'POST' && (path === '/api/answer' || path === '/api/undo')) {
      const origin = req.headers.origin;
      if (origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, ''))) throw new HttpError(403, 'cross-origin request refused');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'expected application/json');
      const body = await readJson(req);
      return sendJson(res, 200, path === '/api/answer' ? answer(body) : undo());
    }
    throw new HttpError(405, 'method not allowed');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      sendJson(res, status, { error: e instanceof Error ? e.message : String(e) });
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
