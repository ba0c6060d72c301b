// Precreate (C scans B) with fakes: the QR value is stored with the order, and the order is
// left open on the provider's fast polling schedule for the step timer; failures close or flag it.
import { afterEach, describe, expect, it } from 'vitest';
import { precreate } from '../../lib/payments/precreate.js';
import { orderIdFor, type Order } from '../../lib/payments/model.js';
import { KeyNotFoundError } from '../../lib/keys/index.js';
import { UpayRequestError, type PrecreateOutcome } from '../../lib/upay/index.js';
import type { OpenResult } from '../../lib/payments/open-order.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { precreateRequest, raw, rejected, START, STORE, TERMINAL, TIMING, transport, upayOrder, world, type World } from './support/payments.js';

const ORDER_ID = orderIdFor('sale-1');
const QR = 'https://qr.alipay.test/bax01234';
const input = (overrides: Parameters<typeof precreateRequest>[0] = {}) => ({ store_id: STORE, terminal_sn: TERMINAL, request: precreateRequest(overrides) });
const created = (overrides = {}): PrecreateOutcome => ({
  kind: 'created',
  order: { ...upayOrder({ order_status: 'CREATED', status: 'CREATED', net_amount: 0, sub_payway: '2', finish_time: undefined, ...overrides }), qr_code: QR },
  raw: raw('PRECREATE_SUCCESS'),
});

function orderOf(result: OpenResult): Order {
  if (result.kind === 'conflict') throw new Error(`unexpected conflict: ${result.message}`);
  return result.found.order;
}

let w: World;
afterEach(() => expectOnlyScriptedCalls(w.upay));

describe('a precreate the provider accepts', () => {
  it('stores the QR value and the provider sn, and stays CREATED', async () => {
    w = world();
    w.upay.script('precreate', created());
    const result = await precreate(w.deps, input());
    expect(result.kind).toBe('created');
    expect(orderOf(result)).toMatchObject({
      kind: 'precreate',
      order_status: 'CREATED',
      qr_code: QR,
      sn: '7895000000000001',
      sub_payway: '2',
      payway: '3',
      provider: { biz_result_code: 'PRECREATE_SUCCESS', order_status: 'CREATED' },
    });
    expect(orderOf(result).attention).toBeUndefined();
    expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ qr_code: QR, sn: '7895000000000001' });
  });

  it('schedules the first poll on the fast schedule from the reply, with the deadline from creation', async () => {
    w = world();
    w.upay.script('precreate', () => {
      w.clock.advance(1_500);
      return created();
    });
    const order = orderOf(await precreate(w.deps, input()));
    expect(order.work).toEqual({ step: 'query', due_at: START + 1_500 + TIMING.precreateFastPollMs, deadline_at: START + TIMING.precreateDeadlineMs, attempts: 0 });
    expect(w.clock.sleeps).toEqual([]);
    expect(w.upay.methods()).toEqual(['precreate']);
  });

  it('records the order with work due after the provider timeout before calling the provider', async () => {
    w = world();
    let seen: Order | undefined;
    w.upay.script('precreate', () => {
      seen = w.ledger.order(ORDER_ID);
      return created();
    });
    await precreate(w.deps, input());
    expect(seen).toMatchObject({
      order_status: 'CREATED',
      kind: 'precreate',
      work: { step: 'query', due_at: START + TIMING.providerTimeoutMs + TIMING.precreateFastPollMs, deadline_at: START + TIMING.precreateDeadlineMs, attempts: 0 },
    });
    expect(seen?.qr_code).toBeUndefined();
  });

  it('sends payway and sub_payway as asked, with our notify URL', async () => {
    w = world({ notifyUrl: 'https://api.test/v1/upay/notify' });
    w.upay.script('precreate', created());
    await precreate(w.deps, input({ payway: '2', sub_payway: '2' }));
    expect(w.upay.callsOf('precreate')[0]?.request).toEqual({ ...precreateRequest({ payway: '2', sub_payway: '2' }), notify_url: 'https://api.test/v1/upay/notify' });
    expect(w.upay.callsOf('precreate')[0]?.options).toEqual({ timeoutMs: TIMING.providerTimeoutMs });
  });

  it('does not overwrite an order settled while the reply was in flight', async () => {
    w = world();
    w.upay.script('precreate', () => {
      w.ledger.writeAsAnother(ORDER_ID, { order_status: 'PAID', net_amount: 1000, work: null });
      return created();
    });
    const order = orderOf(await precreate(w.deps, input()));
    expect(order.order_status).toBe('PAID');
    expect(order.qr_code).toBeUndefined();
    expect(order.work).toBeUndefined();
  });

  it('keeps the wallet request of a WAP precreate, which has no QR code, for the app to open', async () => {
    w = world();
    w.upay.script('precreate', {
      kind: 'created',
      order: { ...upayOrder({ order_status: 'CREATED', status: 'CREATED', net_amount: 0, sub_payway: '3' }), wap_pay_request: '{"appId":"wx01","package":"prepay_id=42"}' },
      raw: raw('PRECREATE_SUCCESS'),
    });
    const order = orderOf(await precreate(w.deps, input({ sub_payway: '3', payer_uid: 'openid-1' })));
    expect(order).toMatchObject({ order_status: 'CREATED', sub_payway: '3', work: { step: 'query' } });
    // Without it the customer has nothing to pay with: neither a QR code nor the wallet request.
    expect(order).toMatchObject({ wap_pay_request: '{"appId":"wx01","package":"prepay_id=42"}' });
  });
});

describe('a precreate that fails', () => {
  it('closes PRECREATE_FAIL as PAY_CANCELED, with no QR and no work', async () => {
    w = world();
    w.upay.script('precreate', { kind: 'failed', error_code: 'TRADE_FAILED', raw: raw('PRECREATE_FAIL', 'TRADE_FAILED') });
    const order = orderOf(await precreate(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0, provider: { biz_error_code: 'TRADE_FAILED' } });
    expect(order.qr_code).toBeUndefined();
    expect(order.work).toBeUndefined();
    expect(w.telemetry.total('Precreate_failed')).toBe(1);
  });

  it('flags PRECREATE_FAIL_ERROR for a person', async () => {
    w = world();
    w.upay.script('precreate', { kind: 'unknown', reason: 'PRECREATE_FAIL_ERROR', raw: raw('PRECREATE_FAIL_ERROR') });
    const order = orderOf(await precreate(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'CREATED', attention: { reason: 'PRECREATE_FAIL_ERROR' } });
    expect(order.work).toBeUndefined();
  });

  it('flags CLIENT_SN_CONFLICT for a person and closes other refusals', async () => {
    w = world();
    w.upay.script('precreate', rejected('CLIENT_SN_CONFLICT'));
    expect(orderOf(await precreate(w.deps, input()))).toMatchObject({ order_status: 'CREATED', attention: { reason: 'CLIENT_SN_CONFLICT at the provider' } });

    w = world();
    w.upay.script('precreate', rejected('UPAY_TERMINAL_STATUS_ABNORMAL'));
    expect(orderOf(await precreate(w.deps, input()))).toMatchObject({ order_status: 'PAY_CANCELED' });
  });

  it.each(['timeout', 'connection_lost', 'bad_reply', 'server_error'] as const)('leaves the order open and due for the step timer after a %s', async (kind) => {
    w = world();
    w.upay.script('precreate', transport(kind));
    const order = orderOf(await precreate(w.deps, input()));
    expect(order.order_status).toBe('CREATED');
    expect(order.attention).toBeUndefined();
    expect(order.qr_code).toBeUndefined();
    expect(order.work).toEqual({ step: 'query', due_at: START + TIMING.providerTimeoutMs + TIMING.precreateFastPollMs, deadline_at: START + TIMING.precreateDeadlineMs, attempts: 0 });
  });

  it.each(['not_sent', 'illegal_sign', 'client_error'] as const)('closes as PAY_CANCELED after a %s: nothing was applied', async (kind) => {
    w = world();
    w.upay.script('precreate', transport(kind));
    expect(orderOf(await precreate(w.deps, input()))).toMatchObject({ order_status: 'PAY_CANCELED' });
  });

  it('closes as PAY_CANCELED when the signer throws before sending', async () => {
    w = world();
    w.signer.failure = new KeyNotFoundError('no key');
    expect(orderOf(await precreate(w.deps, input()))).toMatchObject({ order_status: 'PAY_CANCELED' });
    expect(w.upay.calls).toEqual([]);
  });

  it('refuses a request without a valid payway before recording anything', async () => {
    w = world();
    await expect(precreate(w.deps, { store_id: STORE, terminal_sn: TERMINAL, request: { ...precreateRequest(), payway: '9' as never } })).rejects.toThrow(UpayRequestError);
    await expect(precreate(w.deps, input({ sub_payway: '3' }))).rejects.toThrow(UpayRequestError);
    expect(w.ledger.orderCount()).toBe(0);
  });
});

describe('the same client_sn again', () => {
  it('replays the stored order with its QR, without a second precreate', async () => {
    w = world();
    w.upay.script('precreate', created());
    await precreate(w.deps, input());
    const again = await precreate(w.deps, input());
    expect(again.kind).toBe('replayed');
    expect(orderOf(again).qr_code).toBe(QR);
    expect(w.upay.methods()).toEqual(['precreate']);
  });

  it('is a conflict with another payway', async () => {
    w = world();
    w.upay.script('precreate', created());
    await precreate(w.deps, input());
    expect((await precreate(w.deps, input({ payway: '2' }))).kind).toBe('conflict');
    expect(w.upay.methods()).toEqual(['precreate']);
  });
});
