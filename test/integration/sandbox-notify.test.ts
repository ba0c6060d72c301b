import { verify } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../local/sandbox/index.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import { RawUpay, barcode, useSandbox } from './helpers/sandbox-raw.js';
import type { Terminal } from './helpers/sandbox-raw.js';

interface Callback {
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}

interface NotifyAttempt {
  sn: string;
  attempt: number;
  accepted: boolean;
  answer: string | null;
}

// A callback receiver whose answers are scripted per path (the last answer repeats).
class Receiver {
  readonly callbacks: Callback[] = [];
  readonly #answers = new Map<string, string[]>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        this.callbacks.push({
          path,
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
          body: Buffer.concat(chunks),
        });
        const script = this.#answers.get(path) ?? ['success'];
        const answer = script.length > 1 ? (script.shift() ?? 'success') : (script[0] ?? 'success');
        response.end(answer);
      });
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
  }

  answer(path: string, ...answers: string[]): string {
    this.#answers.set(path, answers);
    return `${this.url}${path}`;
  }

  on(path: string): Callback[] {
    return this.callbacks.filter((callback) => callback.path === path);
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

const RETRY_DELAYS_MS = [20, 40, 60];

let sandbox: Sandbox;
let upay: RawUpay;
let terminal: Terminal;
const receiver = new Receiver();

// Registered before the sandbox, so the receiver starts first and stops last.
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());
useSandbox((session) => ({ sandbox, upay, terminal } = session), { notifyRetryDelaysMs: RETRY_DELAYS_MS });

async function attemptsFor(sn: string): Promise<NotifyAttempt[]> {
  const { body } = await upay.control<{ notifications: NotifyAttempt[] }>('GET', '/_sandbox/notifications');
  return body.notifications.filter((attempt) => attempt.sn === sn);
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met in 5 s');
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('notify_url callbacks', () => {
  it('posts the paid order, signed SHA256withRSA with the published key, as `<terminal_sn> <base64 signature>`', async () => {
    const url = receiver.answer('/signed', 'success');
    const reply = await upay.pay(terminal, { notify_url: url, subject: '龙井茶' });
    await waitFor(async () => receiver.on('/signed').length === 1);
    const [callback] = receiver.on('/signed');
    if (callback === undefined) throw new Error('no callback');

    const [sn, signature, ...rest] = (callback.authorization ?? '').split(' ');
    expect(rest).toEqual([]);
    expect(sn).toBe(terminal.sn);
    expect(verify('sha256', callback.body, sandbox.publicKeyPem, Buffer.from(signature ?? '', 'base64'))).toBe(true);
    const tampered = Buffer.from(callback.body.toString('utf8').replace('"PAID"', '"PAY_CANCELED"'));
    expect(verify('sha256', tampered, sandbox.publicKeyPem, Buffer.from(signature ?? '', 'base64'))).toBe(false);

    expect(callback.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(callback.body.toString('utf8'))).toEqual(reply.biz_response?.data);
    expect(JSON.parse(callback.body.toString('utf8'))).toMatchObject({ order_status: 'PAID', subject: '龙井茶' });
  });

  it('retries at the configured delays until the receiver answers exactly `success`, sending the same bytes each time', async () => {
    const url = receiver.answer('/flaky', 'fail', 'SUCCESS', 'success');
    const order = await upay.paidOrder(terminal, { notify_url: url });
    await waitFor(async () => (await attemptsFor(order.sn)).some((attempt) => attempt.accepted));
    await pause(3 * Math.max(...RETRY_DELAYS_MS));

    const attempts = await attemptsFor(order.sn);
    expect(attempts.map((a) => [a.attempt, a.answer, a.accepted])).toEqual([
      [1, 'fail', false],
      [2, 'SUCCESS', false],
      [3, 'success', true],
    ]);
    const bodies = receiver.on('/flaky').map((callback) => callback.body.toString('utf8'));
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
  });

  it('gives up after the last configured delay', async () => {
    const url = receiver.answer('/down', 'nope');
    const order = await upay.paidOrder(terminal, { notify_url: url });
    await waitFor(async () => (await attemptsFor(order.sn)).length === RETRY_DELAYS_MS.length + 1);
    await pause(3 * Math.max(...RETRY_DELAYS_MS));
    expect(await attemptsFor(order.sn)).toHaveLength(RETRY_DELAYS_MS.length + 1);
    expect(receiver.on('/down')).toHaveLength(RETRY_DELAYS_MS.length + 1);
  });

  it('records an unreachable receiver as a failed attempt and retries it', async () => {
    const order = await upay.paidOrder(terminal, { notify_url: 'http://127.0.0.1:1/unreachable' });
    await waitFor(async () => (await attemptsFor(order.sn)).length >= 2);
    const [first] = await attemptsFor(order.sn);
    expect(first).toMatchObject({ accepted: false, answer: null });
  });

  it('calls back a QR payment once the customer pays it', async () => {
    const url = receiver.answer('/qr', 'success');
    const sn = String((await upay.precreate(terminal, { notify_url: url })).biz_response?.data?.sn);
    expect(receiver.on('/qr')).toHaveLength(0);
    await upay.control('POST', '/_sandbox/qr/pay', { sn });
    await waitFor(async () => receiver.on('/qr').length === 1);
    expect(JSON.parse(receiver.on('/qr')[0]?.body.toString('utf8') ?? '{}')).toMatchObject({ sn, order_status: 'PAID' });
  });

  it('calls back an in-flight payment when a query finds it PAID, and never a payment that failed', async () => {
    const paidLater = receiver.answer('/later', 'success');
    const declined = receiver.answer('/declined', 'success');
    const sn = String((await upay.pay(terminal, { dynamic_id: barcode('9101'), notify_url: paidLater })).biz_response?.data?.sn);
    await upay.pay(terminal, { dynamic_id: barcode('9401'), notify_url: declined });
    await pause(50);
    expect(receiver.on('/later')).toHaveLength(0);
    await upay.query(terminal, { sn });
    await waitFor(async () => receiver.on('/later').length === 1);
    await pause(50);
    expect(receiver.on('/declined')).toHaveLength(0);
  });
});

describe('closing the sandbox', () => {
  it('cancels pending callback retries', async () => {
    const own = await startSandbox({ port: 0, notifyRetryDelaysMs: [150] });
    const ownUpay = new RawUpay(own);
    const till = await ownUpay.newTerminal();
    const url = receiver.answer('/closing', 'not yet');
    await ownUpay.pay(till, { notify_url: url });
    await waitFor(async () => receiver.on('/closing').length === 1);
    await own.close();
    await pause(400);
    expect(receiver.on('/closing')).toHaveLength(1);
  });
});
