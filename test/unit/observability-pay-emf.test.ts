// The EMF a real pay invocation writes to stdout, as CloudWatch reads it: the alarms on
// Requests by outcome (infra/monitoring.ts) and the Pay outcome counts depend on these names,
// this namespace and this dimension set, whatever way the handler builds its metric lines.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { httpEvent, lambdaContext } from '../support/http-events.js';

const TERMINAL = '100000000000000001';
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

beforeAll(() => {
  // As deployed: metrics on (no POWERTOOLS_METRICS_DISABLED), EMF to stdout.
  Object.assign(process.env, { TABLE_NAME: 'ledger', UPAY_BASE_URL: 'https://upay.test', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', POWERTOOLS_LOG_LEVEL: 'ERROR' });
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
  vi.stubGlobal('fetch', async (_url: string, init: { body: Uint8Array }) => {
    const request = JSON.parse(Buffer.from(init.body).toString('utf8')) as Record<string, string>;
    const order = { sn: '7000000000000001', client_sn: request.client_sn ?? '', terminal_sn: TERMINAL, status: 'SUCCESS', order_status: 'PAID', total_amount: request.total_amount ?? '1000', net_amount: request.total_amount ?? '1000', payway: '2', sub_payway: '1', ctime: '1795000000000', finish_time: '1795000000100' };
    return new Response(JSON.stringify({ result_code: '200', biz_response: { result_code: 'PAY_SUCCESS', data: order } }), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  dynamo.on(GetCommand).resolves({ Item: { pk: `TERMINAL#${TERMINAL}`, sk: 'TERMINAL', terminal_sn: TERMINAL, store_id: 'store-1', device_id: 'd', status: 'active', activated_at: '2026-11-26T00:00:00.000Z', key_stored_at: '2026-11-26T00:00:00.000Z' } });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).callsFake((input: { Key: Record<string, unknown> }) => ({ Attributes: { ...input.Key } }));
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ terminal_sn: TERMINAL, terminal_key: 'k'.repeat(32), device_id: 'd' }), VersionId: 'v1' });
});
afterAll(() => vi.unstubAllGlobals());

/** Every EMF document written to stdout while `run` runs. */
async function emfOf(run: () => Promise<unknown>): Promise<Emf[]> {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  await run();
  vi.mocked(process.stdout.write).mockRestore();
  return written
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
}

/** The documents that publish `metric`, with the dimension set and value each gives it. */
const published = (lines: Emf[], metric: string) =>
  lines.flatMap((emf) =>
    emf._aws.CloudWatchMetrics.filter((directive) => directive.Metrics.some((one) => one.Name === metric)).map((directive) => ({
      namespace: directive.Namespace,
      dimensions: directive.Dimensions,
      unit: directive.Metrics.find((one) => one.Name === metric)?.Unit,
      value: emf[metric],
      values: Object.fromEntries(directive.Dimensions.flat().map((name) => [name, emf[name]])),
    })),
  );

describe('the EMF of a paid pay', () => {
  it('counts Requests with outcome=ok and Pay with outcome=paid, each under [service, outcome] in UpayBackend, on every invocation', async () => {
    const { handler } = await import('../../functions/pay.js');
    const body = (n: number) => ({ terminal_sn: TERMINAL, client_sn: `emf-${n}`, total_amount: 1000, dynamic_id: '280000000000000000', subject: 'tea', operator: 'ann' });
    // Twice: the second invocation is the warm path, where a reused metric instance could leak a dimension.
    for (const n of [1, 2]) {
      const lines = await emfOf(async () => expect((await handler(httpEvent({ body: body(n), caller: { store_id: 'store-1', role: 'cashier' } }), lambdaContext())).statusCode).toBe(200));
      const requests = published(lines, 'Requests');
      const pays = published(lines, 'Pay');
      expect(requests).toEqual([{ namespace: 'UpayBackend', dimensions: [['service', 'outcome']], unit: 'Count', value: 1, values: { service: 'upay-backend', outcome: 'ok' } }]);
      expect(pays).toEqual([{ namespace: 'UpayBackend', dimensions: [['service', 'outcome']], unit: 'Count', value: 1, values: { service: 'upay-backend', outcome: 'paid' } }]);
      // No other metric line picks up the outcome dimension.
      for (const emf of lines) if (!('Requests' in emf) && !('Pay' in emf)) expect(emf).not.toHaveProperty('outcome');
    }
  });
});
