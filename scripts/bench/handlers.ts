// The deployed Lambda handlers, imported only once the environment is set: Powertools reads
// it at import, lib/api/context.ts at the first invocation.
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type HttpHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
export type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface Handlers {
  pay: HttpHandler;
  precreate: HttpHandler;
  query: HttpHandler;
  refund: HttpHandler;
  revoke: HttpHandler;
  cancel: HttpHandler;
  notify: HttpHandler;
  reconcile: ScheduledHandler;
}

export async function loadHandlers(): Promise<Handlers> {
  const [pay, precreate, query, refund, revoke, cancel, notify, reconcile] = await Promise.all([
    import('../../functions/pay.js'),
    import('../../functions/precreate.js'),
    import('../../functions/query.js'),
    import('../../functions/refund.js'),
    import('../../functions/revoke.js'),
    import('../../functions/cancel.js'),
    import('../../functions/notify.js'),
    import('../../functions/reconcile.js'),
  ]);
  return {
    pay: pay.handler,
    precreate: precreate.handler,
    query: query.handler,
    refund: refund.handler,
    revoke: revoke.handler,
    cancel: cancel.handler,
    notify: notify.handler,
    reconcile: reconcile.handler as ScheduledHandler,
  };
}

/** The body of an HTTP answer, parsed; throws with the answer when the status is not expected. */
export function expectStatus(result: APIGatewayProxyStructuredResultV2, expected: readonly number[], what: string): Record<string, unknown> {
  const status = result.statusCode ?? 200;
  if (!expected.includes(status)) throw new Error(`${what}: HTTP ${status} ${String(result.body).slice(0, 300)}`);
  try {
    return JSON.parse(result.body ?? '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}
