import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/**
 * An HTTP proxy on 127.0.0.1 that opens CONNECT tunnels, as corporate proxies do for HTTPS (and as undici's
 * ProxyAgent asks for every origin). It records each tunnel's target and the local port of its upstream socket,
 * so that a server behind it can tell which of its requests came through the proxy.
 */
export class ConnectProxy {
  readonly tunnels: { target: string; upstreamPort: number }[] = [];
  /** Requests in absolute form (plain forwarding), which this proxy refuses. */
  readonly forwarded: string[] = [];
  private server?: Server;
  private sockets = new Set<Socket>();
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.forwarded.push(`${req.method} ${req.url}`);
      res.writeHead(405).end('this proxy only tunnels (CONNECT)');
    });
    this.server.on('connect', (req, client: Socket, head: Buffer) => {
      const [host, port] = req.url!.split(':');
      const upstream = connect(Number(port), host, () => {
        this.tunnels.push({ target: req.url!, upstreamPort: upstream.localPort! });
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => (s === client ? upstream : client).destroy());
      }
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server?.closeAllConnections();
    await new Promise((ok) => this.server?.close(ok));
  }
}
