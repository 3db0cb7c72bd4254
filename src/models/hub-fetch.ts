import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { proxyUrl, type ProxySettings } from './hub-proxy.js';

/**
 * The fetch every request to the Hub and its storage goes through. Node 20's built-in fetch ignores
 * HTTP(S)_PROXY, so with a proxy set the requests go through undici's EnvHttpProxyAgent, given the settings
 * explicitly so that the variables it follows are the ones lora-eval read and reports.
 */
export function hubFetch(proxy: ProxySettings | undefined): typeof fetch {
  if (!proxy) return globalThis.fetch;
  // An empty string keeps the agent from reading process.env for a variable that is unset here.
  const dispatcher = new EnvHttpProxyAgent({
    httpProxy: proxy.httpProxy ? proxyUrl(proxy.httpProxy) : '',
    httpsProxy: proxy.httpsProxy ? proxyUrl(proxy.httpsProxy) : '',
    noProxy: proxy.noProxy,
  });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as object), dispatcher })) as unknown as typeof fetch;
}
