/**
 * A real HTTP + WebSocket server for the tests: it records every request and answers
 * from a handler the test sets, so the client under test talks real HTTP to it.
 */
import * as http from 'http';
import { AddressInfo } from 'net';

import { ServerConnection } from '@jupyterlab/services';
import { WebSocket as WsSocket, WebSocketServer } from 'ws';

export interface IRecordedRequest {
  method: string;
  /**
   * Path and query, e.g. `/labstudio/api/jobs?limit=5`, without the cache buster
   * (`&1716...`) that `ServerConnection.makeRequest` appends to every URL.
   */
  url: string;
  rawUrl: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ITestResponse {
  status: number;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (e.g. an HTML 404 page). */
  text?: string;
  contentType?: string;
}

export type Handler = (request: IRecordedRequest) => ITestResponse;

const notFoundPage: ITestResponse = {
  status: 404,
  text: '<!DOCTYPE html><html><body><h1>404 : Not Found</h1></body></html>',
  contentType: 'text/html'
};

export class TestServer {
  private constructor(
    private readonly server: http.Server,
    private readonly wss: WebSocketServer
  ) {}

  /** Every HTTP request received, oldest first. */
  readonly requests: IRecordedRequest[] = [];
  /** URLs of the WebSocket connections received. */
  readonly socketUrls: string[] = [];
  /** Answers HTTP requests; the default is the Jupyter server's HTML 404. */
  handler: Handler = () => notFoundPage;
  /** Whether to accept WebSocket upgrades on `/labstudio/api/events`. */
  acceptSockets = true;

  static async start(): Promise<TestServer> {
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    const instance = new TestServer(server, wss);
    server.on('request', (req, res) => instance.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => {
      instance.socketUrls.push(req.url ?? '');
      if (
        !instance.acceptSockets ||
        !req.url?.startsWith('/labstudio/api/events')
      ) {
        socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, ws =>
        wss.emit('connection', ws, req)
      );
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** JupyterLab server settings pointing at this server. */
  settings(token = ''): ServerConnection.ISettings {
    return ServerConnection.makeSettings({
      baseUrl: `http://127.0.0.1:${this.port}/`,
      wsUrl: `ws://127.0.0.1:${this.port}/`,
      token,
      appendToken: false
    });
  }

  get openSockets(): WsSocket[] {
    return [...this.wss.clients].filter(c => c.readyState === WsSocket.OPEN);
  }

  /** Push an event to every open socket. */
  broadcast(event: unknown): void {
    const data = JSON.stringify(event);
    this.openSockets.forEach(s => s.send(data));
  }

  /** Drop every socket, as a restarting server would. */
  dropSockets(): void {
    this.wss.clients.forEach(s => s.terminate());
  }

  async close(): Promise<void> {
    this.dropSockets();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const recorded: IRecordedRequest = {
        method: req.method ?? 'GET',
        url: (req.url ?? '/').replace(/[?&]\d{10,}$/, ''),
        rawUrl: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      };
      this.requests.push(recorded);
      let answer: ITestResponse;
      try {
        answer = this.handler(recorded);
      } catch (error) {
        answer = { status: 500, json: { message: String(error) } };
      }
      const body =
        answer.text ??
        (answer.json === undefined ? '' : JSON.stringify(answer.json));
      res.writeHead(answer.status, {
        'Content-Type':
          answer.contentType ??
          (answer.text === undefined ? 'application/json' : 'text/plain')
      });
      res.end(body);
    });
  }
}

/** Poll until `predicate` holds (or fail after `timeout` ms). */
export async function until(
  predicate: () => boolean,
  timeout = 5000,
  what = 'condition'
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) {
      throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

/** A route handler: an `ITestResponse`, or a plain value answered as 200 JSON. */
export type ApiRoute = (request: IRecordedRequest) => ITestResponse | unknown;

/**
 * Answer `METHOD /path` (the path under /labstudio/api) from `routes`; any other request
 * gets a labstudio JSON 404.
 */
export function serveApi(
  server: TestServer,
  routes: Record<string, ApiRoute>
): void {
  server.handler = request => {
    const path = new URL(request.url, 'http://x').pathname.replace(
      '/labstudio/api',
      ''
    );
    const route = routes[`${request.method} ${path}`];
    if (!route) {
      return { status: 404, json: { message: `no ${request.method} ${path}` } };
    }
    const answer = route(request);
    return answer &&
      typeof answer === 'object' &&
      'status' in answer &&
      typeof (answer as ITestResponse).status === 'number'
      ? (answer as ITestResponse)
      : { status: 200, json: answer };
  };
}

/** The requests received for `METHOD /path` (under /labstudio/api). */
export function requestsTo(
  server: TestServer,
  method: string,
  path: string
): IRecordedRequest[] {
  return server.requests.filter(
    r =>
      r.method === method &&
      new URL(r.url, 'http://x').pathname === `/labstudio/api${path}`
  );
}

/** The Jupyter server's own HTML 404 (a route the server does not have). */
export const NOT_FOUND_PAGE: ITestResponse = notFoundPage;
