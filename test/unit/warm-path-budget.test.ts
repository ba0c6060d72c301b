// Remote calls per operation on the warm path, counted at the SDK and fetch boundaries:
// pay answered PAY_SUCCESS ≤ 2 DynamoDB writes, 0 reads, 0 Secrets Manager calls, 1 provider
// call; query of a final order 1 DynamoDB read and nothing else.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { httpEvent, lambdaContext } from '../support/http-events.js';

const TERMINAL = '100000000000000001';
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const fetchCalls: string[] = [];
const stored = new Map<string, Record<string, unknown>>();

function providerReply(path: string, body: Record<string, string>): unknown {
  const order = {
    sn: '7000000000000001',
    client_sn: body.client_sn ?? '',
    terminal_sn: TERMINAL,
    status: 'SUCCESS',
    order_status: 'PAID',
    total_amount: body.total_amount ?? '1000',
    net_amount: body.total_amount ?? '1000',
    payway: '2',
    sub_payway: '1',
    ctime: '1795000000000',
    finish_time: '1795000000100',
  };
  return { result_code: '200', biz_response: { result_code: path.endsWith('/pay') ? 'PAY_SUCCESS' : 'SUCCESS', data: order } };
}

beforeAll(() => {
  Object.assign(process.env, {
    TABLE_NAME: 'ledger',
    UPAY_BASE_URL: 'https://upay.test',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  vi.stubGlobal('fetch', async (url: string, init: { body: Uint8Array }) => {
    fetchCalls.push(url);
    const request = JSON.parse(Buffer.from(init.body).toString('utf8')) as Record<string, string>;
    return new Response(JSON.stringify(providerReply(url, request)), { status: 200, headers: { 'content-type': 'application/json' } });
  });
});
afterAll(() => vi.unstubAllGlobals());

beforeEach(() => {
  dynamo.reset();
  secrets.reset();
  dynamo.on(GetCommand).resolves({ Item: { pk: `TERMINAL#${TERMINAL}`, sk: 'TERMINAL', terminal_sn: TERMINAL, store_id: 'store-1', device_id: 'd', status: 'active', activated_at: '2026-11-26T00:00:00.000Z', key_stored_at: '2026-11-26T00:00:00.000Z' } });
  dynamo.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
    stored.set(String(input.Item.pk), input.Item);
    return {};
  });
  dynamo.on(UpdateCommand).callsFake((input: { Key: Record<string, unknown> }) => {
    const key = String(input.Key.pk);
    const { work: _work, ...rest } = stored.get(key) ?? {};
    const item = { ...rest, order_status: 'PAID', net_amount: 1000, version: 2 };
    stored.set(key, item);
    return { Attributes: item };
  });
  dynamo.on(QueryCommand).callsFake(() => ({ Items: [...stored.values()] }));
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ terminal_sn: TERMINAL, terminal_key: 'k'.repeat(32), device_id: 'd' }), VersionId: 'v1' });
});

const counts = () => ({
  dynamoReads: dynamo.commandCalls(GetCommand).length + dynamo.commandCalls(QueryCommand).length,
  dynamoWrites: dynamo.commandCalls(PutCommand).length + dynamo.commandCalls(UpdateCommand).length,
  dynamoOther: dynamo.calls().length - dynamo.commandCalls(GetCommand).length - dynamo.commandCalls(QueryCommand).length - dynamo.commandCalls(PutCommand).length - dynamo.commandCalls(UpdateCommand).length,
  secretsCalls: secrets.calls().length,
});

describe('the warm path', () => {
  it('pays with at most 2 DynamoDB writes, no reads, no Secrets Manager call and one provider call', async () => {
    const { handler } = await import('../../functions/pay.js');
    const body = (n: number) => ({ terminal_sn: TERMINAL, client_sn: `warm-${n}`, total_amount: 1000, dynamic_id: '280000000000000000', subject: 'tea', operator: 'ann' });
    const cold = await handler(httpEvent({ body: body(1), caller: { store_id: 'store-1', role: 'cashier' } }), lambdaContext());
    expect(cold.statusCode).toBe(200);

    dynamo.resetHistory();
    secrets.resetHistory();
    fetchCalls.length = 0;
    const warm = await handler(httpEvent({ body: body(2), caller: { store_id: 'store-1', role: 'cashier' } }), lambdaContext());
    expect(warm.statusCode).toBe(200);
    expect(JSON.parse(warm.body ?? '{}')).toMatchObject({ order_status: 'PAID' });
    expect(counts()).toEqual({ dynamoReads: 0, dynamoWrites: 2, dynamoOther: 0, secretsCalls: 0 });
    expect(fetchCalls).toEqual(['https://upay.test/upay/v2/pay']);
  });

  it('answers a query of a final order with one DynamoDB read and nothing else', async () => {
    const { handler } = await import('../../functions/query.js');
    const [order] = [...stored.values()];
    dynamo.resetHistory();
    secrets.resetHistory();
    fetchCalls.length = 0;
    const answer = await handler(httpEvent({ method: 'GET', pathParameters: { order_id: String(order?.order_id) }, caller: { store_id: 'store-1', role: 'cashier' } }), lambdaContext());
    expect(answer.statusCode).toBe(200);
    expect(counts()).toEqual({ dynamoReads: 1, dynamoWrites: 0, dynamoOther: 0, secretsCalls: 0 });
    expect(fetchCalls).toEqual([]);
  });
});
