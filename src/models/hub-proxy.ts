import { UserError } from '../errors.js';

type Env = Record<string, string | undefined>;

/** A proxy URL and the environment variable it came from, to name in messages. */
export interface ProxyVariable {
  name: string;
  url: string;
}

/** The proxy settings curl, requests and huggingface_hub read, lower-case names first as curl does. */
export interface ProxySettings {
  /** For http:// URLs, and for https:// URLs when httpsProxy is unset. */
  httpProxy?: ProxyVariable;
  httpsProxy?: ProxyVariable;
  /** Comma-separated hosts (optionally with a port; a leading "." or "*." for subdomains; "*" for all) reached directly. */
  noProxy: string;
}

function variable(env: Env, lower: string, upper: string): ProxyVariable | undefined {
  const name = env[lower]?.trim() ? lower : env[upper]?.trim() ? upper : undefined;
  return name ? { name, url: env[name]!.trim() } : undefined;
}

/** Proxy settings from the environment, or undefined when no proxy is set. Nothing is checked until a request needs them. */
export function readProxySettings(env: Env): ProxySettings | undefined {
  const httpProxy = variable(env, 'http_proxy', 'HTTP_PROXY');
  const httpsProxy = variable(env, 'https_proxy', 'HTTPS_PROXY');
  if (!httpProxy && !httpsProxy) return undefined;
  return { httpProxy, httpsProxy, noProxy: (env.no_proxy ?? env.NO_PROXY ?? '').trim() };
}

/** The proxy URL as a request uses it; a value that is not an http(s) proxy URL is refused naming its variable. */
export function proxyUrl(proxy: ProxyVariable): string {
  // "proxy.corp:8080" without a scheme is an HTTP proxy to curl and requests; URL() would read "proxy.corp:" as the scheme.
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy.url) ? proxy.url : `http://${proxy.url}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${proxy.name}=${proxy.url}: not a proxy URL (expected http://host:port or https://host:port)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UserError(`${proxy.name}=${proxy.url}: a ${parsed.protocol.slice(0, -1)} proxy is not supported; give an http:// or https:// proxy`);
  return url;
}

/** The proxy variable that applies to requests to url by its scheme (NO_PROXY aside). */
export function proxyForScheme(url: string, proxy: ProxySettings | undefined): ProxyVariable | undefined {
  if (!proxy) return undefined;
  return new URL(url).protocol === 'https:' ? (proxy.httpsProxy ?? proxy.httpProxy) : proxy.httpProxy;
}
