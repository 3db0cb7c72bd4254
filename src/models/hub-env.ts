import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { hubCacheDir } from './hf-cache.js';
import { readProxySettings, type ProxySettings } from './hub-proxy.js';

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
  /** HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or their lower-case forms); undefined when no proxy is set. */
  proxy?: ProxySettings;
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

export function hubEnv(env: Env = process.env): HubEnv {
  const { token, source } = readToken(env);
  const timeout = Number(env.HF_HUB_DOWNLOAD_TIMEOUT ?? 10);
  if (!(Number.isFinite(timeout) && timeout > 0))
    throw new UserError(`HF_HUB_DOWNLOAD_TIMEOUT: expected a positive number of seconds, got "${env.HF_HUB_DOWNLOAD_TIMEOUT}"`);
  return {
    endpoint: (env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, ''),
    token,
    tokenSource: source,
    offline: TRUE.has((env.HF_HUB_OFFLINE ?? '').toLowerCase()),
    cacheDir: hubCacheDir(env),
    timeoutSeconds: timeout,
    proxy: readProxySettings(env),
  };
}
