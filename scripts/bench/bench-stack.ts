// The stack the call-counting measurements run the real handlers on: a fresh table on
// DynamoDB Local behind the counting proxy, the Upay sandbox over HTTP, a notify sink, and
// one terminal activated directly at the sandbox, its key in (fake) Secrets Manager.
import { createTable, localDocumentClient, localDynamoEnv } from '../../local/dynamodb.js';
import { startSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { UpayClient } from '../../lib/upay/index.js';
import { TerminalRegistry } from '../../lib/store/terminal-registry.js';
import { startCountingProxy, type CallObserver, type CountingProxy } from './dynamo-proxy.js';
import { installSecretsManagerFake, type SecretsManagerFake } from './secrets-fake.js';
import { startNotifySink, type NotifySink } from './notify-sink.js';
import { STORE_ID } from './requests.js';
import { loadHandlers, type Handlers } from './handlers.js';

export interface BenchStack {
  tableName: string;
  proxy: CountingProxy;
  sink: NotifySink;
  sandbox: Sandbox;
  secrets: SecretsManagerFake;
  /** Straight to DynamoDB Local: what it reads is not counted. */
  db: ReturnType<typeof localDocumentClient>;
  terminalSn: string;
  /** Sets the handlers' environment for this stack (with the caller's timings) and loads them. */
  handlers(timings: Record<string, string>): Promise<Handlers>;
  close(): Promise<void>;
}

export async function startBenchStack(dynamoEndpoint: string, tablePrefix: string, observe?: CallObserver): Promise<BenchStack> {
  const tableName = `${tablePrefix}-${Date.now()}`;
  await createTable(dynamoEndpoint, tableName);
  const proxy = await startCountingProxy(dynamoEndpoint, observe);
  const sink = await startNotifySink();
  const sandbox = await startSandbox({ port: 0, notifyRetryDelaysMs: [] });
  const secrets = installSecretsManagerFake();
  const db = localDocumentClient(dynamoEndpoint);
  const close = async () => {
    db.destroy();
    secrets.restore();
    await sandbox.close();
    await sink.close();
    await proxy.close();
  };
  try {
    const upay = new UpayClient({ baseUrl: sandbox.url });
    const { vendor } = sandbox;
    const activated = await upay.activate({ sn: vendor.vendor_sn, key: vendor.vendor_key }, { app_id: vendor.app_id, code: sandbox.activationCodes[0] ?? '', device_id: 'bench-till' });
    if (activated.kind !== 'activated') throw new Error(`activation: ${activated.kind}`);
    const terminalSn = activated.terminal_sn;
    const now = new Date().toISOString();
    await new TerminalRegistry(db, tableName).register({ terminal_sn: terminalSn, store_id: STORE_ID, device_id: 'bench-till', status: 'active', activated_at: now, key_stored_at: now });
    secrets.store(`upay/terminals/${terminalSn}`, JSON.stringify({ terminal_sn: terminalSn, terminal_key: activated.terminal_key, device_id: 'bench-till' }));
    secrets.store('upay/vendor', JSON.stringify(vendor));
    const handlers = (timings: Record<string, string>) => {
      Object.assign(process.env, { TABLE_NAME: tableName, ...localDynamoEnv(proxy.url), UPAY_BASE_URL: sandbox.url, UPAY_PUBLIC_KEY_PEM: sandbox.publicKeyPem, NOTIFY_URL: sink.url, ...timings });
      delete process.env.KEY_STORE_FILE;
      return loadHandlers();
    };
    return { tableName, proxy, sink, sandbox, secrets, db, terminalSn, handlers, close };
  } catch (error) {
    await close();
    throw error;
  }
}
