// Request and response schemas of the payment routes, in the provider's vocabulary with
// amounts as integer cents. They validate requests and generate docs/openapi.json; the
// provider client checks the same limits again at its boundary. Each schema is built on its
// first use (z.lazy): built at import, all of them cost every function's cold start.
import * as z from 'zod';
import { PAYWAYS, PRECREATE_SUB_PAYWAYS } from '../../upay/index.js';
import { terminalSnSchema } from './terminals.js';
import { text } from './text.js';

const cents = () => z
  .number('must be a number of cents')
  // Bounds before integrality, so that 1e21 is told the limit it can act on.
  .min(1, 'must be at least 1')
  .max(9_999_999_999, 'must be at most 9999999999 (10 digits)')
  .int('must be whole cents (an integer)')
  .meta({ description: 'Integer cents (100 = 1.00 CNY), at most 10 digits' });

const degrees = () => z.string().regex(/^-?\d{1,3}(\.\d{1,15})?$/, 'must be decimal degrees');

const goodsLine = () => z.strictObject({
  goods_id: text(64),
  goods_name: text(128),
  quantity: z.number().int().min(1),
  price: z.number().int().min(0).max(9_999_999_999),
  promotion_type: text(32).optional(),
});

const extended = () => z
  .record(text(64), text(256))
  .refine((value) => Object.keys(value).length <= 24, { message: 'must have at most 24 keys' })
  .optional();

const orderFields = () => ({
  terminal_sn: terminalSnSchema(),
  client_sn: text(32).meta({ description: "The merchant's order number: unique, and the idempotency key of this request", example: 'pos1-20261126-0001' }),
  total_amount: cents().meta({ example: 1000 }),
  subject: text(64).meta({ example: 'Jasmine tea' }),
  operator: text(32).meta({ example: 'ann' }),
  description: text(256).optional(),
  longitude: degrees().optional(),
  latitude: degrees().optional(),
  device_id: text(64).optional().meta({ description: 'At most 64 characters (the provider documents 32, but its own clients send a 36-character UUID)' }),
  extended: extended(),
  goods_details: z.array(goodsLine()).max(100).optional(),
  reflect: text(64).optional(),
});

const bothOrNeither = (value: { longitude?: string; latitude?: string }) => (value.longitude === undefined) === (value.latitude === undefined);
const coordinatesIssue = { message: 'longitude and latitude go together', path: ['latitude'] };

export const payBody = z.lazy(() => z
  .strictObject({
    ...orderFields(),
    dynamic_id: text(32).meta({ description: "The customer's payment barcode, as scanned", example: '280000000000000000' }),
    payway: z.enum(PAYWAYS).optional().meta({ description: 'Skip barcode-based wallet detection' }),
  })
  .refine(bothOrNeither, coordinatesIssue));

export const precreateBody = z.lazy(() => z
  .strictObject({
    ...orderFields(),
    payway: z.enum(PAYWAYS).meta({ description: '1/2 Alipay, 3 WeChat Pay, 17 UnionPay QR, …', example: '3' }),
    sub_payway: z.enum(PRECREATE_SUB_PAYWAYS).optional().meta({ description: '2 QR (default), 3 WAP, 4 mini-program' }),
    payer_uid: text(64).optional(),
    qr_format: z.enum(['svg', 'png']).optional().meta({ description: 'Also return the QR picture as a PNG data URL' }),
  })
  .refine(bothOrNeither, coordinatesIssue)
  .refine((value) => value.sub_payway !== '3' || value.payer_uid !== undefined, { message: 'payer_uid is required for WAP (sub_payway 3)', path: ['payer_uid'] }));

export const refundBody = z.lazy(() => z.strictObject({
  refund_request_no: text(20).meta({ description: 'Idempotency key of this refund; a retry must reuse it', example: 'r1' }),
  refund_amount: cents().meta({ example: 300 }),
  operator: text(32).meta({ example: 'ann' }),
}));

/** The optional body of revoke and cancel alike. */
export const revokeBody = z.lazy(() => z
  .strictObject({ operator: text(32).optional().meta({ description: 'Who asks for the reversal; default: the token’s subject' }) })
  .optional());

export const orderPath = z.lazy(() => z.strictObject({ order_id: z.string().regex(/^ord_[A-Za-z0-9_-]{26}$/, 'is not an order id') }));

export const orderQuery = z.lazy(() => z.strictObject({ refresh: z.enum(['true', 'false']).optional() }));

export const orderLookup = z.lazy(() => z
  .strictObject({ client_sn: text(32).optional(), sn: z.string().regex(/^\d{1,32}$/).optional() })
  .refine((value) => (value.client_sn === undefined) !== (value.sn === undefined), { message: 'give exactly one of client_sn or sn', path: ['client_sn'] }));

const refundView = () => z.object({
  refund_request_no: z.string(),
  refund_amount: z.number().int(),
  operator: z.string(),
  status: z.enum(['REFUND_IN_PROGRESS', 'REFUND_SUCCESS', 'REFUND_FAIL', 'REFUND_ERROR']),
  created_at: z.iso.datetime(),
  finished_at: z.iso.datetime().optional(),
  error_code: z.string().optional(),
  attention: z.string().nullable(),
});

export const orderView = z.lazy(() => z
  .object({
    order_id: z.string(),
    client_sn: z.string(),
    sn: z.string().optional(),
    trade_no: z.string().optional(),
    terminal_sn: z.string(),
    order_status: z.string().meta({ description: "The provider's order status: CREATED, PAID, PAY_CANCELED, PARTIAL_REFUNDED, REFUNDED, CANCELED, PAY_ERROR, …" }),
    total_amount: z.number().int(),
    net_amount: z.number().int(),
    refunded_amount: z.number().int(),
    payway: z.string().optional(),
    sub_payway: z.string().optional(),
    subject: z.string(),
    description: z.string().optional(),
    operator: z.string(),
    created_at: z.iso.datetime(),
    finished_at: z.iso.datetime().optional(),
    error_code: z.string().optional().meta({ description: "Why the payment failed: the provider's error code, or ours when the provider was never reached" }),
    reversal: z.enum(['revoke', 'cancel']).optional().meta({ description: 'A reversal being settled' }),
    reversal_requested_by: z.string().optional().meta({ description: 'Who asked for the last revoke or cancel' }),
    attention: z.string().nullable().meta({ description: 'Why a person must look at this order, or null' }),
    refunds: z.array(refundView()),
    resolutions: z
      .array(
        z.object({
          at: z.iso.datetime(),
          by: z.string(),
          role: z.string(),
          note: z.string(),
          outcome: z.string(),
          source: z.enum(['provider', 'manual']),
          refund_request_no: z.string().optional(),
          reason: z.string(),
          provider: z.record(z.string(), z.string()).optional().meta({ description: "The provider's last reply (its codes) when the case was resolved" }),
        }),
      )
      .optional()
      .meta({ description: 'Every case a person resolved on this order, oldest first' }),
    qr_code: z.string().optional(),
    wap_pay_request: z.string().optional().meta({ description: 'For WAP and mini-program precreates: what the app opens instead of a QR code' }),
    qr_svg: z.string().optional(),
    qr_png: z.string().optional(),
  })
  .meta({ id: 'Order' }));

export type OrderView = z.infer<typeof orderView>;
