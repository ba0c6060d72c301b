// The deployed Lambda handlers, imported only once the environment is set: Powertools reads
// it at import, lib/api/context.ts at the first invocation.
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { timerBody, type TimerItem } from '../../lib/timer/index.js';

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
  timer: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  sweep: ScheduledHandler;
}

export async function loadHandlers(): Promise<Handlers> {
  const [pay, precreate, query, refund, revoke, cancel, notify, timer, sweep] = await Promise.all([
    import('../../functions/pay.js'),
    import('../../functions/precreate.js'),
    import('../../functions/query.js'),
    import('../../functions/refund.js'),
    import('../../functions/revoke.js'),
    import('../../functions/cancel.js'),
    import('../../functions/notify.js'),
    import('../../functions/timer.js'),
    import('../../functions/sweep.js'),
  ]);
  return {
    pay: pay.handler,
    precreate: precreate.handler,
    query: query.handler,
    refund: refund.handler,
    revoke: revoke.handler,
    cancel: cancel.handler,
    notify: notify.handler,
    timer: timer.handler as Handlers['timer'],
    sweep: sweep.handler as ScheduledHandler,
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

/** The SQS event the timer's event source mapping delivers for these wake-ups. */
export const timerEvent = (items: readonly TimerItem[]): SQSEvent => ({ Records: items.map((item, i) => ({ messageId: String(i), body: timerBody(item) })) }) as SQSEvent;

/** Runs the timer worker on these wake-ups; throws if any failed. */
export async function wakeUp(handlers: Handlers, items: readonly TimerItem[], context: Context): Promise<void> {
  const { batchItemFailures } = await handlers.timer(timerEvent(items), context);
  if (batchItemFailures.length > 0) throw new Error(`timer: ${batchItemFailures.length} step(s) failed`);
}
