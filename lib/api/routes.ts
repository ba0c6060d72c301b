// The HTTP API: which route goes to which function. The CDK stack, the local server and the
// OpenAPI document all read this one table.

export const HTTP_FUNCTIONS = ['activate', 'terminal', 'checkin', 'pay', 'precreate', 'query', 'refund', 'revoke', 'cancel', 'notify', 'attention', 'resolve', 'report', 'terminals', 'retire'] as const;
export type FunctionName = (typeof HTTP_FUNCTIONS)[number];

export interface RouteEntry {
  method: 'GET' | 'POST';
  /** API Gateway path syntax: `{name}` for a path parameter. */
  path: string;
  function: FunctionName;
  /** False only for the provider's callback, which proves itself with an RSA signature. */
  jwt: boolean;
}

export const ROUTES: readonly RouteEntry[] = [
  { method: 'POST', path: '/v1/terminals', function: 'activate', jwt: true },
  { method: 'GET', path: '/v1/terminals/{terminal_sn}', function: 'terminal', jwt: true },
  { method: 'POST', path: '/v1/terminals/{terminal_sn}/checkin', function: 'checkin', jwt: true },
  { method: 'POST', path: '/v1/payments', function: 'pay', jwt: true },
  { method: 'POST', path: '/v1/precreates', function: 'precreate', jwt: true },
  { method: 'GET', path: '/v1/orders/{order_id}', function: 'query', jwt: true },
  { method: 'GET', path: '/v1/orders', function: 'query', jwt: true },
  { method: 'POST', path: '/v1/orders/{order_id}/refunds', function: 'refund', jwt: true },
  { method: 'POST', path: '/v1/orders/{order_id}/revoke', function: 'revoke', jwt: true },
  { method: 'POST', path: '/v1/orders/{order_id}/cancel', function: 'cancel', jwt: true },
  { method: 'POST', path: '/v1/upay/notify', function: 'notify', jwt: false },
  { method: 'GET', path: '/v1/attention', function: 'attention', jwt: true },
  { method: 'POST', path: '/v1/orders/{order_id}/resolve', function: 'resolve', jwt: true },
  { method: 'GET', path: '/v1/reports/daily', function: 'report', jwt: true },
  { method: 'GET', path: '/v1/terminals', function: 'terminals', jwt: true },
  { method: 'POST', path: '/v1/terminals/{terminal_sn}/retire', function: 'retire', jwt: true },
];

export const routeKey = (route: Pick<RouteEntry, 'method' | 'path'>) => `${route.method} ${route.path}`;
