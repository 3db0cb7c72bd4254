import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { hubCacheDir } from './hf-cache.js';

type Env = Record<string, string | undefined>;

/** Where and how to reach the Hub, from the same environment variables huggingface_hub reads. */
export interface HubEnv {
  /** HF_ENDPOINT, default https://huggingface.co. */
  endpoint: string;
  /** HF_TOKEN, else the token file huggingface-cli login writes. */
  token?: string;
  /** Where the token came from, to name it in messages. */
  tokenSource?: string;
  /** HF_HUB_OFFLINE=1: never touch the network. */
  offline: boolean;
  cacheDir: string;
  /** Seconds without a byte before a download counts as dropped (HF_HUB_DOWNLOAD_TIMEOUT, default 10). */
  timeoutSeconds: number;
  /** Set when a proxy is configured that Node's fetch will not use. */
  proxyWarning?: string;
}

const TRUE = new Set(['1', 'on', 'yes', 'true']);

function readToken(env: Env): { token?: string; source?: string } {
  if (env.HF_TOKEN) return { token: env.HF_TOKEN.trim(), source: 'HF_TOKEN' };
  if (env.HUGGING_FACE_HUB_TOKEN) return { token: env.HUGGING_FACE_HUB_TOKEN.trim(), source: 'HUGGING_FACE_HUB_TOKEN' };
  const file = env.HF_TOKEN_PATH ?? join(env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface'), 'token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, source: file };
  }
  return {};
}

function proxyWarning(env: Env): string | undefined {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  if (!proxy) return undefined;
  const [major, minor] = process.versions.node.split('.').map(Number);
  // Node's built-in fetch follows HTTP(S)_PROXY only from 24.5 / 22.21 on, and only with NODE_USE_ENV_PROXY=1.
  const supported = major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21);
  if (supported && env.NODE_USE_ENV_PROXY === '1') return undefined;
  return supported
    ? `a proxy is set (${proxy}) but Node's fetch only uses it with NODE_USE_ENV_PROXY=1`
    : `a proxy is set (${proxy}) but Node ${process.versions.node}'s fetch does not use HTTP(S)_PROXY (Node 22.21+ or 24.5+ with NODE_USE_ENV_PROXY=1 does)`;
}

export function hubEnv(env: Env = process.env): HubEnv {
  const { token, source } = readToken(env);
  const timeout = Number(env.HF_HUB_DOWNLOAD_TIMEOUT ?? 10);
  return {
    endpoint: (env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, ''),
    token,
    tokenSource: source,
    offline: TRUE.has((env.HF_HUB_OFFLINE ?? '').toLowerCase()),
    cacheDir: hubCacheDir(env),
    timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 10,
    proxyWarning: proxyWarning(env),
  };
}
