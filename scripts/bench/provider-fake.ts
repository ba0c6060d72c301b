// The provider answered in memory: the sandbox's own ProviderApi (signature checks, order
// state machine, replies) called directly by a `fetch` stub, with no socket in between. Its
// CPU time is tallied so that it can be subtracted from a handler's. Orders that become PAID
// are kept, so genuine callbacks can be signed for them (with a key of our own).
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { SandboxClock } from '../../local/sandbox/clock.js';
import { Entropy } from '../../local/sandbox/entropy.js';
import { OrderBook, type Order } from '../../local/sandbox/orders.js';
import { orderData } from '../../local/sandbox/order-views.js';
import { ProviderApi } from '../../local/sandbox/provider-api.js';
import { TerminalRegistry } from '../../local/sandbox/terminals.js';
import type { Callback } from './notify-sink.js';
import { processCpuMs } from './cpu-clock.js';

export interface ProviderFake {
  fetch: typeof fetch;
  vendor: { vendor_sn: string; vendor_key: string; app_id: string };
  publicKeyPem: string;
  /** Starts over with an empty provider (no terminal, no order) and returns a fresh activation code. */
  reset(): string;
  /** A callback for the PAID order with this client_sn, signed as the provider signs it. */
  callbackFor(clientSn: string): Callback;
  cpuMs(): number;
}

const headerOf = (headers: RequestInit['headers'], name: string): string | undefined => {
  if (headers === undefined) return undefined;
  const value = new Headers(headers).get(name);
  return value ?? undefined;
};

export function createProviderFake(): ProviderFake {
  const clock = new SandboxClock();
  const entropy = new Entropy('bench');
  const vendor = { vendor_sn: `918${entropy.digits(5)}`, vendor_key: entropy.hex(32), app_id: `2024${entropy.digits(10)}` };
  let paid = new Map<string, Order>();
  let terminals = new TerminalRegistry(clock, entropy);
  let provider = new ProviderApi({ vendor, terminals, orders: new OrderBook(clock, entropy, 100_000, () => undefined) });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let cpu = 0;

  const fetchStub = (async (url: string | URL | Request, init?: RequestInit) => {
    const started = processCpuMs();
    try {
      const path = new URL(typeof url === 'string' ? url : url instanceof URL ? url.href : url.url).pathname;
      const body = Buffer.from(init?.body as Uint8Array);
      const envelope = provider.answer(path, { authorization: headerOf(init?.headers, 'authorization'), contentType: headerOf(init?.headers, 'content-type'), body });
      return new Response(JSON.stringify(envelope), { status: 200, headers: { 'content-type': 'application/json;charset=UTF-8' } });
    } finally {
      cpu += processCpuMs() - started;
    }
  }) as typeof fetch;

  return {
    fetch: fetchStub,
    vendor,
    reset() {
      const seen = new Map<string, Order>();
      paid = seen;
      terminals = new TerminalRegistry(clock, entropy);
      provider = new ProviderApi({ vendor, terminals, orders: new OrderBook(clock, entropy, 100_000, (order) => seen.set(order.clientSn, order)) });
      return terminals.issueCode(1, 'store-1');
    },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    callbackFor(clientSn) {
      const order = paid.get(clientSn);
      if (!order) throw new Error(`no PAID order ${clientSn} at the provider`);
      const body = JSON.stringify(orderData(order));
      return { body, authorization: `${order.terminalSn} ${signature(body, privateKey)}` };
    },
    cpuMs: () => cpu,
  };
}

const signature = (body: string, key: KeyObject) => sign('sha256', Buffer.from(body, 'utf8'), key).toString('base64');
