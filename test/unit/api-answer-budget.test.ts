// Every request Lambda answers within its time whatever a dependency does: an unavailable
// ledger is a 503, and a handler that never finishes is answered 503 before the Lambda's timeout.
import { describe, expect, it } from 'vitest';
import { route } from '../../lib/api/route.js';
import { httpEvent, lambdaContext } from '../support/http-events.js';

const caller = { store_id: 's1', role: 'cashier' as const };
const errorOf = (result: { body?: string }) => (JSON.parse(result.body ?? '{}') as { error?: { code: string } }).error;

describe('answering within the budget', () => {
  it.each([
    ['a request past its timeout', Object.assign(new Error('@smithy/node-http-handler - request timed out'), { name: 'TimeoutError' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a throttle', Object.assign(new Error('slow down'), { name: 'ThrottlingException' })],
    ['a server fault', Object.assign(new Error('internal'), { name: 'InternalServerError', $fault: 'server' })],
  ])('answers 503 SERVICE_UNAVAILABLE when the ledger fails with %s', async (_label, error) => {
    const handler = route({ operation: 'test', role: 'cashier' }, () => Promise.reject(error));
    const result = await handler(httpEvent({ method: 'GET', caller }), lambdaContext());
    expect(result.statusCode).toBe(503);
    expect(errorOf(result)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('answers 500 for a failure that is not the ledger being away', async () => {
    const handler = route({ operation: 'test', role: 'cashier' }, () => Promise.reject(new TypeError('a bug')));
    expect((await handler(httpEvent({ method: 'GET', caller }), lambdaContext())).statusCode).toBe(500);
  });

  it('answers 503 itself before the Lambda times out when the handler never finishes', async () => {
    const handler = route({ operation: 'test', role: 'cashier' }, () => new Promise(() => undefined));
    const deadline = Date.now() + 1_300;
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    const result = await handler(httpEvent({ method: 'GET', caller }), context);
    expect(result.statusCode).toBe(503);
    expect(errorOf(result)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
