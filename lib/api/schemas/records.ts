// Request and response schemas of the records and worklist routes (architecture §6.1): they
// validate requests and generate the OpenAPI document. Built on first use, as payments.ts.
import * as z from 'zod';
import { orderView } from './payments.js';
import { text } from './text.js';
import { terminalSchema, terminalSnSchema, TERMINAL_STATUSES } from './terminals.js';

const isCalendarDay = (value: string) => {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
};

const date = () => z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine(isCalendarDay, 'is not a calendar day')
  .meta({ description: "A calendar day in the merchant's time zone", example: '2026-12-01' });

const limit = () => z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'))
  .optional()
  .meta({ description: 'Page size, 1–100 (default 50)' });

const cursor = () => z.string().min(1).max(1024).optional().meta({ description: 'next_cursor of the previous page' });
const storeId = () => text(128).optional().meta({ description: 'ops: one store; admins may name only their own' });

export const DEFAULT_LIMIT = 50;

export const historyQuery = z.lazy(() => z.strictObject({
  date: date(),
  terminal_sn: terminalSnSchema().optional(),
  order_status: z.string().regex(/^[A-Z_]{1,32}$/, 'is not an order status').optional(),
  limit: limit(),
  cursor: cursor(),
}));

export const attentionQuery = z.lazy(() => z.strictObject({ store_id: storeId(), limit: limit(), cursor: cursor() }));

export const reportQuery = z.lazy(() => z.strictObject({ date: date(), store_id: storeId() }));

export const terminalsQuery = z.lazy(() => z.strictObject({ status: z.enum(TERMINAL_STATUSES).optional(), store_id: storeId(), limit: limit(), cursor: cursor() }));

export const resolveBody = z.lazy(() => z.strictObject({
  note: text(512).meta({ description: 'What the person found and did', example: 'Customer showed the wallet receipt; Upay support confirmed the charge' }),
  outcome: z
    .enum(['PAID', 'PAY_CANCELED', 'CANCELED', 'REFUND_SUCCESS', 'REFUND_FAIL'])
    .optional()
    .meta({ description: 'Booked only if the provider shows no final state: an order status for an order case, REFUND_SUCCESS/REFUND_FAIL for a refund case' }),
  refund_request_no: z.string().min(1).max(20).optional().meta({ description: 'Resolve this refund of the order instead of the order' }),
}));

const nextCursor = () => z.string().nullable().meta({ description: 'Pass as cursor for the next page; null at the end' });

/** An order as a day's list shows it: without its refunds, so a page is one read (GET /v1/orders/{order_id} has them). */
export const orderListing = z.lazy(() =>
  orderView
    .unwrap()
    .omit({ refunds: true })
    .meta({ id: 'OrderListing', description: 'An order as listed: the order without `refunds`; `refunded_amount` is what they refunded. GET /v1/orders/{order_id} lists them.' }),
);

export const historyPageSchema = z.lazy(() => z.object({ orders: z.array(orderListing), next_cursor: nextCursor() }).meta({ id: 'OrderPage' }));

export const attentionPageSchema = z.lazy(() => z
  .object({
    items: z.array(
      z.object({
        order_id: z.string(),
        refund_request_no: z.string().nullable(),
        reason: z.string(),
        since: z.iso.datetime(),
        order: orderView,
      }),
    ),
    next_cursor: nextCursor(),
  })
  .meta({ id: 'AttentionPage' }));

const tally = () => z.object({ count: z.number().int(), amount: z.number().int() });
const breakdown = () => ({ count: z.number().int(), amount: z.number().int(), net_amount: z.number().int() });

export const dailyReportSchema = z.lazy(() => z
  .object({
    date: z.string(),
    store_id: z.string(),
    time_zone: z.string(),
    orders: z.number().int(),
    paid: tally(),
    refunded: tally(),
    reversed: tally(),
    net_amount: z.number().int(),
    by_payway: z.array(z.object({ payway: z.string(), ...breakdown() })),
    by_terminal: z.array(z.object({ terminal_sn: z.string(), ...breakdown() })),
    open: z.number().int(),
    attention: z.number().int(),
  })
  .meta({ id: 'DailyReport', description: 'Amounts in integer cents. paid: PAID/PARTIAL_REFUNDED/REFUNDED at their total; refunded: amount refunded of them; reversed: CANCELED in full; by_*: the paid orders; open: orders awaiting the provider; attention: cases awaiting a person (orders, and refunds of them).' }));

export const terminalsPageSchema = z.lazy(() => z.object({ terminals: z.array(terminalSchema), next_cursor: nextCursor() }).meta({ id: 'TerminalPage' }));
