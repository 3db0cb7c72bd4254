import type { Dispatcher } from 'undici';
import { proxyUrl, type ProxySettings } from './hub-proxy.js';

/**
 * The fetch every request to the Hub and its storage goes through. Node 20's built-in fetch ignores
 * HTTP(S)_PROXY, so with a proxy set the requests go through undici's EnvHttpProxyAgent, given the settings
 * explicitly so that the variables it follows are the ones lora-eval read and reports. undici is loaded only then.
 */
export function hubFetch(proxy: ProxySettings | undefined): typeof fetch {
  if (!proxy) return globalThis.fetch;
  // Checked now, so that a proxy URL that cannot be used is refused before any request.
  const settings = {
    // An empty string keeps the agent from reading process.env for a variable that is unset here.
    httpProxy: proxy.httpProxy ? proxyUrl(proxy.httpProxy) : '',
    httpsProxy: proxy.httpsProxy ? proxyUrl(proxy.httpsProxy) : '',
    noProxy: proxy.noProxy,
  };
  let agent: Promise<{ dispatcher: Dispatcher; fetch: typeof import('undici').fetch }> | undefined;
  const load = () => (agent ??= import('undici').then((undici) => ({ dispatcher: new undici.EnvHttpProxyAgent(settings), fetch: undici.fetch })));
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const { dispatcher, fetch } = await load();
    return fetch(input as Parameters<typeof fetch>[0], { ...(init as object), dispatcher });
  }) as unknown as typeof fetch;
}
