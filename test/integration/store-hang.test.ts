// A DynamoDB endpoint that accepts connections and never answers: every request function
// still answers within API Gateway's 29 s — 503 with our error shape, never a hang. The client's
// request timeout is 1 s here instead of 3 s so the test is short; the bound does not depend on
// it (the route answers 503 itself a second before the Lambda's timeout).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { httpEvent } from '../support/http-events.js';
import { handler as pay } from '../../functions/pay.js';
import { handler as query } from '../../functions/query.js';
import { handler as refund } from '../../functions/refund.js';
import { handler as cancel } from '../../functions/cancel.js';

/** API Gateway's HTTP API gives up at 30 s; our request Lambdas run at most 29 s. */
const GATEWAY_BUDGET_MS = 29_000;

let silent: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => void sockets.push(socket));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as { port: number };
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TABLE_NAME: 'ledger',
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
    DYNAMODB_REQUEST_TIMEOUT_MS: '1000',
    // Never reached: the ledger is asked first.
    UPAY_BASE_URL: 'http://127.0.0.1:9',
    KEY_STORE_FILE: join(mkdtempSync(join(tmpdir(), 'upay-hang-')), 'keys.json'),
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  silent.close();
});

/** A Lambda context whose clock runs, as in AWS: the function is stopped at its timeout. */
function runningContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), functionName: 'test', awsRequestId: 'r-1' } as Context;
}

const cashier = { store_id: 'store-1', role: 'cashier' as const };
const ORDER = { order_id: 'ord_aaaaaaaaaaaaaaaaaaaaaaaaaa' };

describe('a DynamoDB that never answers', () => {
  it('pay, query, refund and cancel each answer 503 within the gateway budget', async () => {
    const calls = {
      pay: pay(httpEvent({ caller: cashier, body: { terminal_sn: '100000000000000001', client_sn: 'hang-1', total_amount: 100, dynamic_id: '280000000000000000', subject: 'tea', operator: 'ann' } }), runningContext(GATEWAY_BUDGET_MS)),
      query: query(httpEvent({ method: 'GET', caller: cashier, pathParameters: ORDER }), runningContext(15_000)),
      refund: refund(httpEvent({ caller: cashier, pathParameters: ORDER, body: { refund_request_no: 'r-1', refund_amount: 100, operator: 'ann' } }), runningContext(GATEWAY_BUDGET_MS)),
      cancel: cancel(httpEvent({ pathParameters: ORDER, body: {} }), runningContext(GATEWAY_BUDGET_MS)),
    };
    const answers = await Promise.all(Object.entries(calls).map(async ([name, answer]) => [name, await answer] as const));
    for (const [name, answer] of answers) {
      expect(answer, name).toMatchObject({ statusCode: 503 });
      expect(JSON.parse(answer.body as string), name).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    }
  }, 60_000);
});
