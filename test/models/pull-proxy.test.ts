import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readProxySettings, proxyUrl } from '../../src/models/hub-proxy.js';
import { tempDir } from '../helpers/tmp.js';
import { ConnectProxy } from './connect-proxy.js';
import { folderFiles, HubStandIn } from './hub-stand-in.js';
import { runCliAsync } from './run-cli-async.js';

const TAGGER_REPO = 'SmilingWolf/wd-vit-tagger-v3';
const taggerFiles = folderFiles(resolve('fixtures/models/tagger-v3'));
const NO_PROXY_VARS = {
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined,
};

describe('models pull through an HTTP proxy', () => {
  let hub: HubStandIn;
  let proxy: ConnectProxy;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    hub = new HubStandIn({ [TAGGER_REPO]: { files: taggerFiles } });
    proxy = new ConnectProxy();
    await Promise.all([hub.start(), proxy.start()]);
  });
  afterAll(() => Promise.all([hub.close(), proxy.close()]));
  beforeEach(() => {
    hub.requests.length = 0;
    proxy.tunnels.length = 0;
    const home = tempDir('lora-eval-hf-');
    env = { ...NO_PROXY_VARS, HF_ENDPOINT: hub.endpoint, HF_HOME: home, HF_HUB_CACHE: undefined, HF_TOKEN: undefined, HF_HUB_OFFLINE: undefined };
  });

  it('sends every request, to the Hub and to its storage, through HTTP_PROXY', async () => {
    const run = await runCliAsync(['models', 'pull', 'wd-vit-tagger-v3', '--lock', join(env.HF_HOME!, 'models.lock.json')], {
      ...env,
      HTTP_PROXY: proxy.url,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(run.stdout.trim(), 'model.onnx')).equals(taggerFiles['model.onnx'])).toBe(true);
    // Both origins (the Hub, and the storage server its LFS files redirect to) were reached through tunnels.
    const hubHost = new URL(hub.endpoint).host;
    const targets = new Set(proxy.tunnels.map((t) => t.target));
    expect(targets.has(hubHost)).toBe(true);
    expect(targets.size).toBe(2);
    // Every request the Hub stand-in answered arrived on a socket the proxy opened.
    const upstream = new Set(proxy.tunnels.map((t) => t.upstreamPort));
    expect(hub.requests.length).toBeGreaterThanOrEqual(4);
    expect(hub.requests.filter((r) => !upstream.has(r.remotePort!))).toEqual([]);
    expect(hub.downloads().some((r) => r.url.startsWith('/lfs/'))).toBe(true);
    expect(proxy.forwarded).toEqual([]);
  }, 120_000);

  it('goes direct to the hosts NO_PROXY names, and through the proxy for the others', async () => {
    const direct = await runCliAsync(['models', 'pull', 'wd-vit-tagger-v3', '--lock', join(env.HF_HOME!, 'models.lock.json')], {
      ...env,
      http_proxy: proxy.url,
      no_proxy: 'example.org, 127.0.0.1',
    });
    expect(direct.code, direct.stderr).toBe(0);
    expect(hub.requests.length).toBeGreaterThanOrEqual(4);
    expect(proxy.tunnels).toEqual([]);

    // NO_PROXY with only the Hub's port: the Hub is reached directly, the storage origin (another port) through the proxy.
    hub.requests.length = 0;
    env.HF_HOME = tempDir('lora-eval-hf-');
    const hubHost = new URL(hub.endpoint).host;
    const split = await runCliAsync(['models', 'pull', 'wd-vit-tagger-v3', '--lock', join(env.HF_HOME, 'models.lock.json')], {
      ...env,
      HTTP_PROXY: proxy.url,
      NO_PROXY: hubHost,
    });
    expect(split.code, split.stderr).toBe(0);
    expect(proxy.tunnels.map((t) => t.target).filter((t) => t === hubHost)).toEqual([]);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    const upstream = new Set(proxy.tunnels.map((t) => t.upstreamPort));
    const viaProxy = hub.requests.filter((r) => upstream.has(r.remotePort!));
    expect(viaProxy.length).toBeGreaterThan(0);
    expect(viaProxy.every((r) => r.url.startsWith('/lfs/'))).toBe(true);
  }, 120_000);

  it('fails naming the proxy variable when the proxy cannot be reached, and refuses a proxy URL it cannot use', async () => {
    const closed = new ConnectProxy();
    await closed.start();
    await closed.close();
    const run = await runCliAsync(['models', 'pull', 'wd-vit-tagger-v3', '--lock', join(env.HF_HOME!, 'models.lock.json')], {
      ...env,
      HTTP_PROXY: closed.url,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach ${hub.endpoint}`);
    expect(run.stderr).toContain(`HTTP_PROXY=${closed.url}`);
    expect(hub.requests).toEqual([]);

    const socks = await runCliAsync(['models', 'pull', 'wd-vit-tagger-v3', '--lock', join(env.HF_HOME!, 'models.lock.json')], {
      ...env,
      HTTPS_PROXY: 'socks5://127.0.0.1:1080',
    });
    expect(socks.code).toBe(2);
    expect(socks.stderr).toContain('HTTPS_PROXY=socks5://127.0.0.1:1080: a socks5 proxy is not supported');
  }, 120_000);

  it('reads the variables as curl does: lower case first, a proxy without a scheme is HTTP', () => {
    expect(readProxySettings({ NO_PROXY: 'x' })).toBeUndefined();
    const settings = readProxySettings({ http_proxy: 'lower:1', HTTP_PROXY: 'http://upper:2', HTTPS_PROXY: ' https://secure:3 ', NO_PROXY: 'a,b' })!;
    expect(settings).toEqual({
      httpProxy: { name: 'http_proxy', url: 'lower:1' },
      httpsProxy: { name: 'HTTPS_PROXY', url: 'https://secure:3' },
      noProxy: 'a,b',
    });
    expect(proxyUrl(settings.httpProxy!)).toBe('http://lower:1');
    expect(proxyUrl(settings.httpsProxy!)).toBe('https://secure:3');
    expect(() => proxyUrl({ name: 'HTTPS_PROXY', url: 'http://[bad' })).toThrow('HTTPS_PROXY=http://[bad: not a proxy URL');
  });
});
