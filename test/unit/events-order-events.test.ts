import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { ATTENTION_OPENED, ATTENTION_RESOLVED, eventHeads, orderEvents } from '../../lib/events/order-events.js';
import { eventsOfRecords, type StreamRecord } from '../../lib/events/stream.js';
import type { Order, Refund } from '../../lib/payments/model.js';
import { order as anOrder, refundItem } from './support/payments.js';

// Items as lib/store/ledger.ts writes them: keys and the due-index mirror beside the fields.
const orderRow = (order: Order) => ({ pk: `ORDER#${order.order_id}`, sk: 'ORDER', due_shard: 'due', due_at: 1, ...order });
const refundRow = (refund: Refund) => ({ pk: `ORDER#${refund.order_id}`, sk: `REFUND#${refund.refund_request_no}`, ...refund });
const record = (id: string, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): StreamRecord => ({
  eventID: id,
  dynamodb: { ...(before ? { OldImage: marshall(before, { removeUndefinedValues: true }) } : {}), ...(after ? { NewImage: marshall(after, { removeUndefinedValues: true }) } : {}) },
});

const created = anOrder({ order_status: 'CREATED' });
const paid = { ...created, order_status: 'PAID' as const, version: created.version + 1 };

describe('order events from ledger changes', () => {
  it('makes one event per order_status change, named after the new status, with a stable event id', () => {
    expect(eventHeads({ id: 'e1', old: orderRow(created), new: orderRow(paid) })).toEqual([{ event_id: 'e1:order.paid', detail_type: 'order.paid', order_id: created.order_id }]);
    expect(eventHeads({ id: 'e0', new: orderRow(created) }).map((head) => head.detail_type)).toEqual(['order.created']);
    expect(eventHeads({ id: 'e2', old: orderRow(paid), new: orderRow({ ...paid, order_status: 'REFUNDED' }) })[0]?.detail_type).toBe('order.refunded');
    expect(eventHeads({ id: 'e3', old: orderRow(paid), new: orderRow({ ...paid, order_status: 'CANCELED' }) })[0]?.detail_type).toBe('order.canceled');
  });

  it('makes none for a change that leaves the status and attention alone (work, versions, claims)', () => {
    expect(eventHeads({ id: 'e1', old: orderRow(created), new: orderRow({ ...created, version: 9 }) })).toEqual([]);
    expect(eventHeads({ id: 'e2', old: orderRow(paid), new: undefined })).toEqual([]);
    expect(eventHeads({ id: 'e3', new: { pk: 'TERMINAL#1', sk: 'TERMINAL', status: 'active' } })).toEqual([]);
  });

  it('makes refund status events and attention opened / resolved events, for orders and refunds', () => {
    const refund = refundItem({ order_id: paid.order_id, status: 'REFUND_IN_PROGRESS' });
    expect(eventHeads({ id: 'r0', new: refundRow(refund) })).toEqual([
      { event_id: 'r0:order.refund.in_progress', detail_type: 'order.refund.in_progress', order_id: paid.order_id, refund_request_no: refund.refund_request_no },
    ]);
    const failed = { ...refund, status: 'REFUND_ERROR' as const, attention: { reason: 'REFUND_ERROR', at: '2026-01-01T00:00:00Z' } };
    expect(eventHeads({ id: 'r1', old: refundRow(refund), new: refundRow(failed) }).map((head) => head.detail_type)).toEqual(['order.refund.error', ATTENTION_OPENED]);
    const attended = { ...paid, attention: { reason: 'CANCEL_ERROR', at: '2026-01-01T00:00:00Z' } };
    expect(eventHeads({ id: 'o1', old: orderRow(paid), new: orderRow(attended) }).map((head) => head.detail_type)).toEqual([ATTENTION_OPENED]);
    expect(eventHeads({ id: 'o2', old: orderRow(attended), new: orderRow(paid) }).map((head) => head.detail_type)).toEqual([ATTENTION_RESOLVED]);
  });

  it('carries the order view as detail: the changed item as the change left it, siblings as read, no keys or internals', () => {
    const refund = refundItem({ order_id: paid.order_id, status: 'REFUND_SUCCESS' });
    const [event] = orderEvents({ id: 'r2', old: refundRow({ ...refund, status: 'REFUND_IN_PROGRESS' }), new: refundRow(refund) }, { order: paid, refunds: [{ ...refund, status: 'REFUND_IN_PROGRESS' }] });
    expect(event).toMatchObject({ detail_type: 'order.refund.success', order_id: paid.order_id, order_status: 'PAID', refunds: [{ refund_request_no: refund.refund_request_no, status: 'REFUND_SUCCESS' }] });
    for (const internal of ['pk', 'sk', 'due_shard', 'due_at', 'request_hash', 'attempt_id', 'work', 'provider', 'store_id']) expect(event, internal).not.toHaveProperty(internal);
    expect(() => orderEvents({ id: 'r3', new: refundRow(refund) }, undefined)).toThrow(/not readable/);
  });

  it('reads each order of a stream batch once and keeps the records in order', async () => {
    const reads: string[] = [];
    const events = await eventsOfRecords(
      [record('a', undefined, orderRow(created)), record('b', orderRow(created), orderRow(paid)), record('c', undefined, { pk: 'TERMINAL#1', sk: 'TERMINAL' })],
      async (orderId) => {
        reads.push(orderId);
        return { order: paid, refunds: [] };
      },
    );
    expect(events.map((event) => [event.event_id, event.order_status])).toEqual([
      ['a:order.created', 'CREATED'],
      ['b:order.paid', 'PAID'],
    ]);
    expect(reads).toEqual([created.order_id]);
    await expect(eventsOfRecords([{ dynamodb: {} }], async () => undefined)).rejects.toThrow(/eventID/);
  });
});
