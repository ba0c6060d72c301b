import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { SandboxClock } from './clock.js';
import { ControlApi } from './control-api.js';
import { Entropy } from './entropy.js';
import { FaultPlan } from './faults.js';
import { listen } from './http-server.js';
import { DEFAULT_NOTIFY_RETRY_DELAYS_MS, Notifier } from './notifier.js';
import { orderData } from './order-views.js';
import { OrderBook } from './orders.js';
import { ProviderApi } from './provider-api.js';
import { RequestStats } from './stats.js';
import { DEFAULT_STORE_ID, TerminalRegistry } from './terminals.js';
import type { ActivationCodeGrant, VendorCredentials } from './terminals.js';

export type { ActivationCodeGrant, VendorCredentials } from './terminals.js';

export interface SandboxOptions {
  port?: number;
  precreateExpirySeconds?: number;
  notifyRetryDelaysMs?: readonly number[];
  vendor?: VendorCredentials;
  activationCodes?: readonly ActivationCodeGrant[];
  /** The merchant's store that generated codes (and codes issued without a store_id) belong to. */
  storeId?: string;
  seed?: string | number;
}

export interface Sandbox {
  url: string;
  vendor: VendorCredentials;
  activationCodes: string[];
  publicKeyPem: string;
  close(): Promise<void>;
}

const DEFAULT_PRECREATE_EXPIRY_SECONDS = 100;
const DEFAULT_ACTIVATION_CODES = 5;
const DEFAULT_ACTIVATION_CODE_USES = 10;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = new SandboxClock();
  const entropy = new Entropy(options.seed);
  const vendor = options.vendor ?? { vendor_sn: `918${entropy.digits(5)}`, vendor_key: entropy.hex(32), app_id: `2024${entropy.digits(10)}` };

  const terminals = new TerminalRegistry(clock, entropy);
  const storeId = options.storeId ?? DEFAULT_STORE_ID;
  const activationCodes =
    options.activationCodes?.map((grant) => terminals.issueCode(grant.uses, grant.store_id, undefined, grant.code)) ??
    Array.from({ length: DEFAULT_ACTIVATION_CODES }, () => terminals.issueCode(DEFAULT_ACTIVATION_CODE_USES, storeId));

  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const notifier = new Notifier(privateKey, options.notifyRetryDelaysMs ?? DEFAULT_NOTIFY_RETRY_DELAYS_MS, clock);
  const precreateExpiryMs = (options.precreateExpirySeconds ?? DEFAULT_PRECREATE_EXPIRY_SECONDS) * 1000;
  const orders = new OrderBook(clock, entropy, precreateExpiryMs, (order) => {
    // The callback carries the order as it was when it became PAID; retries resend those bytes.
    if (order.notifyUrl !== undefined) notifier.announce(order.notifyUrl, order.terminalSn, order, JSON.stringify(orderData(order)));
  });

  const faults = new FaultPlan();
  const stats = new RequestStats();
  const server = await listen(options.port ?? 0, {
    provider: new ProviderApi({ vendor, terminals, orders }),
    control: new ControlApi({ clock, terminals, orders, faults, notifier, stats, storeId }),
    faults,
    stats,
  });

  return {
    url: server.url,
    vendor,
    activationCodes,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    async close() {
      notifier.stop();
      await server.close();
    },
  };
}
