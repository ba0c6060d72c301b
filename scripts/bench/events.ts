// API Gateway v2 events and Lambda contexts, as the HTTP API (JWT authorizer) and the
// scheduler hand them to the very same handlers.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { GROUPS_CLAIM, STORE_CLAIM, type Role } from '../../lib/api/auth.js';

export interface EventSpec {
  method: 'GET' | 'POST';
  /** The route, e.g. `/v1/orders/{order_id}`. */
  route: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Omitted: no JWT claims (the provider's callback). */
  caller?: { store_id: string; role: Role };
}

export function httpEvent(spec: EventSpec): APIGatewayProxyEventV2WithJWTAuthorizer {
  const path = spec.route.replace(/\{([^}]+)\}/g, (_all, name: string) => encodeURIComponent(spec.pathParameters?.[name] ?? ''));
  const claims: Record<string, string> = spec.caller ? { sub: 'bench', [STORE_CLAIM]: spec.caller.store_id, [GROUPS_CLAIM]: `[${spec.caller.role}]` } : {};
  const body = spec.rawBody ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body));
  const now = Date.now();
  const routeKey = `${spec.method} ${spec.route}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: spec.query ? new URLSearchParams(spec.query).toString() : '',
    headers: { 'content-type': 'application/json', ...spec.headers },
    ...(spec.query ? { queryStringParameters: spec.query } : {}),
    ...(spec.pathParameters ? { pathParameters: spec.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
      http: { method: spec.method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

export function lambdaContext(functionName: string, budgetMs = 29_000): Context {
  const deadline = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
