// `npm start`: the whole backend on this machine, on loopback, with no AWS account.
// Prints the API URL, tokens and copy-paste curl lines, and writes .local/stack.json.
import { writeFileSync } from 'node:fs';
import { startLocalStack } from './stack.js';
import { orderIdFor } from '../lib/payments/model.js';

const API_PORT = Number(process.env.PORT ?? 3000);
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 18080);

const stack = await startLocalStack({ apiPort: API_PORT, sandbox: { port: SANDBOX_PORT }, reconcileEveryMs: 3_000 });

async function activateDemoTerminal(): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/v1/terminals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.admin}` },
    body: JSON.stringify({ activation_code: stack.sandbox.activationCodes[0], device_id: 'demo-till', name: 'Demo till' }),
  });
  const body = (await response.json()) as { terminal_sn?: string };
  if (!response.ok || !body.terminal_sn) throw new Error(`demo activation failed: ${response.status} ${JSON.stringify(body)}`);
  return body.terminal_sn;
}

const terminalSn = await activateDemoTerminal();
writeFileSync(
  '.local/stack.json',
  `${JSON.stringify({ api_url: stack.apiUrl, sandbox_url: stack.sandbox.url, tokens: stack.tokens, terminal_sn: terminalSn }, null, 2)}\n`,
  { mode: 0o600 },
);

const orderNo = `demo-${Date.now()}`;
const curl = (token: string, path: string, body: unknown) =>
  `curl -s -X POST ${stack.apiUrl}${path} -H "authorization: Bearer ${token}" -H 'content-type: application/json' -d '${JSON.stringify(body)}'`;

console.log(`
Upay backend running locally (DynamoDB Local + Upay sandbox, loopback only)

  API          ${stack.apiUrl}        (OpenAPI: ${stack.apiUrl}/openapi.json)
  sandbox      ${stack.sandbox.url}   (control API under /_sandbox/)
  terminal     ${terminalSn}  (store ${stack.storeId})
  admin token  ${stack.tokens.admin}
  cashier token ${stack.tokens.cashier}
  ops token    ${stack.tokens.ops}

A payment (the customer's barcode; a suffix from local/sandbox/README.md picks a scenario):
  ${curl(stack.tokens.cashier, '/v1/payments', { terminal_sn: terminalSn, client_sn: orderNo, total_amount: 1000, dynamic_id: '280000000000000000', subject: 'Jasmine tea', operator: 'ann' })}

A QR payment, then the customer pays it:
  ${curl(stack.tokens.cashier, '/v1/precreates', { terminal_sn: terminalSn, client_sn: `${orderNo}-qr`, total_amount: 2500, payway: '3', subject: 'Cake', operator: 'ann' })}
  curl -s -X POST ${stack.sandbox.url}/_sandbox/qr/pay -H 'content-type: application/json' -d '${JSON.stringify({ client_sn: `${orderNo}-qr` })}'

A partial refund of that payment, then the order:
  ${curl(stack.tokens.cashier, `/v1/orders/${orderIdFor(orderNo)}/refunds`, { refund_request_no: 'r1', refund_amount: 300, operator: 'ann' })}
  curl -s ${stack.apiUrl}/v1/orders/${orderIdFor(orderNo)} -H "authorization: Bearer ${stack.tokens.cashier}"

The same facts are in .local/stack.json. Ctrl-C stops everything.
`);

const stop = async () => {
  await stack.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
