// `npm start`: the whole backend on this machine, with no AWS account. Prints the API URL,
// the tokens (exported once as shell variables) and copy-paste curl lines, writes
// .local/stack.json, then one line per request (LOG_FORMAT=json: the handlers' JSON logs).
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const JSON_LOGS = process.env.LOG_FORMAT === 'json';
// Before the handlers load (Powertools reads these when it is created): no metrics locally,
// and unless JSON logs were asked for, only the handlers' errors, not their JSON chatter.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
if (!JSON_LOGS) process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const { startLocalStack } = await import('./stack.js');
const { banner, moreActivationCodes, requestLine } = await import('./banner.js');
const { orderIdFor } = await import('../lib/payments/model.js');

function port(variable: 'PORT' | 'SANDBOX_PORT', fallback: number): number {
  const given = process.env[variable];
  const value = given === undefined || given === '' ? fallback : Number(given);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    console.error(`${variable}=${given} is not a port number (0-65535).`);
    process.exit(1);
  }
  return value;
}

const API_PORT = port('PORT', 3000);
const SANDBOX_PORT = port('SANDBOX_PORT', 18080);

function portInUse(taken: number | undefined): string {
  const which = taken === SANDBOX_PORT ? `the sandbox's port ${SANDBOX_PORT}` : taken === API_PORT ? `the API's port ${API_PORT}` : `port ${API_PORT} or ${SANDBOX_PORT}`;
  return `Cannot start: ${which} is already in use (another npm start?). Stop what uses it, or choose other ports: PORT=3001 SANDBOX_PORT=18081 npm start`;
}

async function start() {
  try {
    return await startLocalStack({
      apiPort: API_PORT,
      sandbox: { port: SANDBOX_PORT },
      sweepEveryMs: 60_000,
      // Tests of this script point it at their already running DynamoDB Local, where it gets a table of its own.
      ...(process.env.LOCAL_DYNAMODB_ENDPOINT ? { dynamoEndpoint: process.env.LOCAL_DYNAMODB_ENDPOINT, tableName: `upay-ledger-${randomUUID()}` } : {}),
      ...(JSON_LOGS ? {} : { onAnswer: (answered) => console.log(requestLine(answered)) }),
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { port?: number };
    if (failure.code !== 'EADDRINUSE') throw error;
    console.error(portInUse(failure.port));
    process.exit(1);
  }
}

const stack = await start();

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
// A code the demo terminal did not use: the sandbox issued several, all for the local store.
const activationCode = stack.sandbox.activationCodes[1] ?? '';
writeFileSync(
  '.local/stack.json',
  `${JSON.stringify(
    {
      api_url: stack.apiUrl,
      sandbox_url: stack.sandbox.url,
      store_id: stack.storeId,
      tokens: stack.tokens,
      terminal_sn: terminalSn,
      activation_code: activationCode,
      more_activation_codes: moreActivationCodes(stack.sandbox.url),
    },
    null,
    2,
  )}\n`,
  { mode: 0o600 },
);

const orderNo = `demo-${Date.now()}`;
console.log(
  banner({
    apiUrl: stack.apiUrl,
    sandboxUrl: stack.sandbox.url,
    storeId: stack.storeId,
    terminalSn,
    activationCode,
    tokens: { CASHIER: stack.tokens.cashier, ADMIN: stack.tokens.admin, OPS: stack.tokens.ops },
    orderNo,
    orderId: orderIdFor(orderNo),
  }),
);

const stop = async () => {
  await stack.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
