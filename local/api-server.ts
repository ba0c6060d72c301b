// The local API Gateway: an HTTP server on loopback that matches the same route table the
// CDK stack deploys, checks the JWT like the HTTP API authorizer, and hands the very same
// Lambda handlers an API Gateway v2 event and a Lambda context.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { isUtf8 } from 'node:buffer';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ROUTES, routeKey, type RouteEntry } from '../lib/api/routes.js';
import type { LocalIssuer } from './tokens.js';

export type HttpHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ApiServerOptions {
  port: number;
  issuer: LocalIssuer;
  handlers: Partial<Record<RouteEntry['function'], HttpHandler>>;
  /** Extra routes served as-is (e.g. `/openapi.json`). */
  extras?: Record<string, () => { status: number; type: string; body: string }>;
  timeoutMs?: number;
  onAnswer?: (answered: AnsweredRequest) => void;
}

/** One answered request, for a local request log. */
export interface AnsweredRequest {
  method: string;
  /** The route as declared (`/v1/orders/{order_id}`), or the path when no route matched. */
  route: string;
  status: number;
  ms: number;
  order_id?: string;
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

// API Gateway refuses payloads over 10 MB; locally a much smaller cap keeps a bad client cheap.
const MAX_REQUEST_BYTES = 1024 * 1024;

interface Match {
  route: RouteEntry;
  pathParameters: Record<string, string>;
}

function matcher(routes: readonly RouteEntry[]) {
  const compiled = routes.map((route) => {
    const names: string[] = [];
    const pattern = route.path.replace(/\{([^}]+)\}/g, (_all, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route, names, regex: new RegExp(`^${pattern}$`) };
  });
  return (method: string, path: string): Match | 'malformed' | undefined => {
    for (const { route, names, regex } of compiled) {
      if (route.method !== method) continue;
      const found = regex.exec(path);
      if (!found) continue;
      const pathParameters: Record<string, string> = {};
      try {
        names.forEach((name, index) => {
          pathParameters[name] = decodeURIComponent(found[index + 1] ?? '');
        });
      } catch {
        return 'malformed';
      }
      return { route, pathParameters };
    }
    return undefined;
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): void {
  response.writeHead(status, headers);
  response.end(body);
}

function lambdaContext(functionName: string, requestId: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const match = matcher(ROUTES);
  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, JSON.stringify({ message: 'Internal Server Error' }));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const log: Omit<AnsweredRequest, 'status' | 'ms'> = { method: request.method ?? 'GET', route: (request.url ?? '/').split('?')[0] ?? '/' };
    if (options.onAnswer) response.once('finish', () => options.onAnswer?.({ ...log, status: response.statusCode, ms: Math.round(performance.now() - started) }));
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const extra = options.extras?.[`${method} ${url.pathname}`];
    if (extra) {
      const answer = extra();
      return send(response, answer.status, answer.body, { 'content-type': answer.type });
    }
    const found = match(method, url.pathname);
    if (found === 'malformed') return send(response, 400, JSON.stringify({ message: 'Bad Request' }));
    if (found) log.route = found.route.path;
    const handler = found && options.handlers[found.route.function];
    if (!found || !handler) return send(response, 404, JSON.stringify({ message: 'Not Found' }));

    let claims: Record<string, string> = {};
    if (found.route.jwt) {
      const header = request.headers.authorization ?? '';
      const token = /^Bearer (.+)$/i.exec(header)?.[1];
      const verified = token ? await options.issuer.verify(token) : undefined;
      if (!verified) return send(response, 401, JSON.stringify({ message: 'Unauthorized' }));
      claims = verified;
    }
    const body = await readBody(request);
    if (body === undefined) return send(response, 413, JSON.stringify({ message: 'Request Entity Too Large' }));

    const requestId = randomUUID();
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]));
    const query = url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : undefined;
    const now = new Date();
    const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
      version: '2.0',
      routeKey: routeKey(found.route),
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(query ? { queryStringParameters: query } : {}),
      ...(Object.keys(found.pathParameters).length > 0 ? { pathParameters: found.pathParameters } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        requestId,
        routeKey: routeKey(found.route),
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
        http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
      },
      // Bytes that are not UTF-8 reach the handler as they came (base64), never as U+FFFD.
      ...(body.length > 0 ? { body: isUtf8(body) ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !isUtf8(body),
    };
    const result = await handler(event, lambdaContext(found.route.function, requestId, options.timeoutMs ?? 29_000));
    // The order the answer is about: the path's, or the one the answer carries.
    const orderId = found.pathParameters.order_id ?? /^\{"order_id":"(ord_[A-Za-z0-9_-]+)"/.exec(result.body ?? '')?.[1];
    if (orderId) log.order_id = orderId;
    send(response, result.statusCode ?? 200, result.body ?? '', { 'content-type': 'application/json', ...(result.headers as Record<string, string> | undefined) });
  }

  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
