import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ControlApi } from './control-api.js';
import { APPLIES_EFFECT } from './faults.js';
import type { Fault, FaultPlan } from './faults.js';
import type { ProviderApi } from './provider-api.js';
import { parseAuthorization } from './signature.js';
import type { RequestStats } from './stats.js';
import { requestError } from './wire.js';
import type { WireObject } from './wire.js';

export interface HttpDependencies {
  provider: ProviderApi;
  control: ControlApi;
  faults: FaultPlan;
  stats: RequestStats;
}

export interface SandboxServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;
const JSON_TYPE = 'application/json;charset=UTF-8';
const BAD_GATEWAY_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

export async function listen(port: number, deps: HttpDependencies): Promise<SandboxServer> {
  const sockets = new Set<Socket>();
  const delayedReplies = new Set<NodeJS.Timeout>();

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.setHeader('connection', 'close');
        send(response, 413, 'text/plain', 'request body too large');
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      try {
        route(request, response, Buffer.concat(chunks));
      } catch (error) {
        console.error('upay sandbox: unexpected error', error);
        if (!response.headersSent) send(response, 500, 'text/plain', 'internal sandbox error');
      }
    });
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function route(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const method = request.method ?? 'GET';
    if (path.startsWith('/_sandbox/')) {
      const answer = deps.control.answer(method, path, body);
      send(response, answer.status, JSON_TYPE, JSON.stringify(answer.body));
    } else if (!deps.provider.handles(path)) {
      send(response, 404, 'text/plain', 'not found');
    } else if (method !== 'POST') {
      response.setHeader('allow', 'POST');
      send(response, 405, 'text/plain', 'method not allowed');
    } else {
      answerProvider(request, response, path, body);
    }
  }

  function answerProvider(request: IncomingMessage, response: ServerResponse, path: string, body: Buffer): void {
    const authorization = request.headers.authorization;
    const fault = deps.faults.take(path, parseAuthorization(authorization)?.sn);
    if (fault !== undefined && !APPLIES_EFFECT[fault.kind]) {
      deps.stats.record(path, undefined, fault.kind);
      failWithoutEffect(fault, request, response);
      return;
    }
    let envelope: WireObject;
    try {
      envelope = deps.provider.answer(path, { authorization, contentType: request.headers['content-type'], body });
    } catch (error) {
      console.error('upay sandbox: unexpected error', error);
      envelope = requestError('UNKNOWN_SYSTEM_ERROR', 'internal sandbox error');
    }
    deps.stats.record(path, outcomeOf(envelope), fault?.kind);
    const reply = JSON.stringify(envelope);
    switch (fault?.kind) {
      case undefined:
        send(response, 200, JSON_TYPE, reply);
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          delayedReplies.delete(timer);
          if (!response.destroyed) send(response, 200, JSON_TYPE, reply);
        }, fault.delayMs);
        delayedReplies.add(timer);
        return;
      }
      case 'http_500_applied':
        send(response, 200, JSON_TYPE, JSON.stringify(requestError('UNKNOWN_SYSTEM_ERROR', 'system error, try again later')));
        return;
      case 'malformed':
        // Half a reply: what a proxy cutting the stream short delivers.
        send(response, 200, JSON_TYPE, reply.slice(0, Math.floor(reply.length / 2)));
        return;
      default:
        // drop_reply: the order has moved, and the client learns nothing about it.
        request.socket.destroy();
    }
  }

  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the sandbox server has no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      for (const timer of delayedReplies) clearTimeout(timer);
      delayedReplies.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function failWithoutEffect(fault: Fault, request: IncomingMessage, response: ServerResponse): void {
  switch (fault.kind) {
    case 'http_500':
      // The provider's 500 is an envelope in an HTTP 200 (protocol §2).
      send(response, 200, JSON_TYPE, JSON.stringify(requestError('UNKNOWN_SYSTEM_ERROR', 'system error, try again later')));
      return;
    case 'maintenance':
      send(response, 200, JSON_TYPE, JSON.stringify(requestError('MAINTENANCE_INPROGRESS', 'maintenance in progress')));
      return;
    case 'bad_gateway':
      send(response, 502, 'text/html', BAD_GATEWAY_PAGE);
      return;
    default:
      request.socket.destroy();
  }
}

function outcomeOf(envelope: WireObject): string {
  const biz = envelope.biz_response;
  if (biz !== undefined && typeof biz === 'object' && !Array.isArray(biz)) {
    return typeof biz.result_code === 'string' ? biz.result_code : 'SUCCESS';
  }
  return typeof envelope.error_code === 'string' ? envelope.error_code : String(envelope.result_code);
}

function send(response: ServerResponse, status: number, contentType: string, text: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
