import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { GROUPS_CLAIM, STORE_CLAIM, type Role } from '../../lib/api/auth.js';

export interface EventSpec {
  method?: 'GET' | 'POST';
  path?: string;
  body?: unknown;
  rawBody?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  caller?: { store_id: string; role: Role } | null;
}

/** An API Gateway v2 event as the JWT authorizer hands it over (claims as strings). */
export function httpEvent(spec: EventSpec = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const caller = spec.caller === undefined ? { store_id: 'store-1', role: 'admin' as Role } : spec.caller;
  const claims: Record<string, string> = caller ? { sub: 'user-1', [STORE_CLAIM]: caller.store_id, [GROUPS_CLAIM]: `[${caller.role}]` } : {};
  const method = spec.method ?? 'POST';
  const path = spec.path ?? '/v1/test';
  const body = spec.rawBody ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body));
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    ...(spec.query ? { queryStringParameters: spec.query } : {}),
    ...(spec.pathParameters ? { pathParameters: spec.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.com',
      domainPrefix: 'example',
      requestId: 'request-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '26/Nov/2026:03:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

export function lambdaContext(remainingMs = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
    memoryLimitInMB: '256',
    awsRequestId: 'aws-request-1',
    logGroupName: '/aws/lambda/test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
