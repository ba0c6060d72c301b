// The OpenAPI 3.1 document, generated from the very zod schemas that validate requests and
// from the route table, so the contract cannot drift from the code (docs/openapi.json is
// checked to be current by a test).
import * as z from 'zod';
import { ROUTES, routeKey } from './routes.js';
import { ERROR_STATUS } from './errors.js';
import { activationBody, terminalPath, terminalSchema } from './schemas/terminals.js';
import { orderLookup, orderPath, orderQuery, orderView, payBody, precreateBody, refundBody, revokeBody } from './schemas/payments.js';
import { attentionPageSchema, attentionQuery, dailyReportSchema, historyPageSchema, historyQuery, reportQuery, resolveBody, terminalsPageSchema, terminalsQuery } from './schemas/records.js';

type Json = Record<string, unknown>;

const ORDER_EXAMPLE = {
  order_id: 'ord_QPTUsGgac6feCfkZBu1LGBvIJk',
  client_sn: 'pos1-20261126-0001',
  sn: '7882801677970934',
  trade_no: '2026647021272484514143769311',
  terminal_sn: '100000743136159552',
  order_status: 'PARTIAL_REFUNDED',
  total_amount: 1000,
  net_amount: 700,
  refunded_amount: 300,
  payway: '2',
  sub_payway: '1',
  subject: 'Jasmine tea',
  operator: 'ann',
  created_at: '2026-11-26T03:11:13.021Z',
  finished_at: '2026-11-26T03:11:13.036Z',
  attention: null,
  refunds: [{ refund_request_no: 'r1', refund_amount: 300, operator: 'ann', status: 'REFUND_SUCCESS', created_at: '2026-11-26T03:12:01.000Z', finished_at: '2026-11-26T03:12:01.120Z', attention: null }],
};

const TERMINAL_EXAMPLE = {
  terminal_sn: '100000743136159552',
  store_id: 'store-1',
  device_id: 'till-01',
  name: 'Front counter',
  status: 'active',
  activated_at: '2026-11-20T02:00:00.000Z',
  checked_in_at: '2026-11-26T19:00:04.000Z',
  key_stored_at: '2026-11-26T19:00:04.000Z',
  key_age_seconds: 3600,
};

const CURSOR_EXAMPLE = 'eyJxIjoiM3NUa1Z4T2dQYjBqS1pGRyIsInAiOiIxMDAwMDA3NDMxMzYxNTk1NTIifQ';

const ATTENTION_ORDER_EXAMPLE = {
  ...ORDER_EXAMPLE,
  order_id: 'ord_7DFJQ9xYgqZ1f0kKqkKpXc0BzA',
  client_sn: 'pos1-20261126-0042',
  sn: '7882801677970950',
  order_status: 'PAY_ERROR',
  total_amount: 9500,
  net_amount: 0,
  refunded_amount: 0,
  error_code: 'UNEXPECTED_PROVIDER_ERROR',
  attention: 'provider order status PAY_ERROR',
  refunds: [],
};

const RESOLVED_EXAMPLE = {
  ...ATTENTION_ORDER_EXAMPLE,
  order_status: 'PAY_CANCELED',
  attention: null,
  finished_at: '2026-11-26T05:02:10.000Z',
  resolutions: [
    {
      at: '2026-11-26T05:02:10.000Z',
      by: 'ops-li',
      role: 'ops',
      note: 'Upay support confirmed no money moved',
      outcome: 'PAY_CANCELED',
      source: 'manual',
      reason: 'provider order status PAY_ERROR',
      provider: { result_code: '200', biz_response_code: 'PAY_ERROR', status: 'FAIL_ERROR', order_status: 'PAY_ERROR' },
    },
  ],
};

const REPORT_EXAMPLE = {
  date: '2026-11-26',
  store_id: 'store-1',
  time_zone: 'Asia/Shanghai',
  orders: 4,
  paid: { count: 2, amount: 3500 },
  refunded: { count: 1, amount: 300 },
  reversed: { count: 1, amount: 800 },
  net_amount: 3200,
  by_payway: [
    { payway: '2', count: 1, amount: 1000, net_amount: 700 },
    { payway: '3', count: 1, amount: 2500, net_amount: 2500 },
  ],
  by_terminal: [{ terminal_sn: '100000743136159552', count: 2, amount: 3500, net_amount: 3200 }],
  open: 0,
  attention: 1,
};

interface RouteDoc {
  summary: string;
  description?: string;
  body?: z.ZodType;
  path?: z.ZodType;
  query?: z.ZodType;
  example?: unknown;
  /** The answer's example, when it is not an order or a terminal. */
  answerExample?: unknown;
  /** Success answers: status → schema (or a description for a non-JSON body). */
  answers: Record<number, z.ZodType | string>;
}

/** Revoke and cancel take the same optional body and answer alike. */
const reversalDoc = (summary: string): RouteDoc => ({
  summary,
  description: 'The body is optional: `{"operator"}` names who asks (default: the token’s subject).',
  path: orderPath,
  body: revokeBody,
  example: { operator: 'ann' },
  answers: { 200: orderView, 202: orderView },
});

const DOCS: Record<string, RouteDoc> = {
  'POST /v1/terminals': {
    summary: 'Activate a Upay terminal for the caller’s store (admin)',
    description: 'A retried activation for the same device returns the existing terminal (200) instead of using another code.',
    body: activationBody,
    example: { activation_code: '24681357', device_id: 'till-01', name: 'Front counter' },
    answers: { 201: terminalSchema, 200: terminalSchema },
  },
  'GET /v1/terminals/{terminal_sn}': { summary: 'A terminal: status, last check-in, key age — never its key (admin)', path: terminalPath, answers: { 200: terminalSchema } },
  'POST /v1/terminals/{terminal_sn}/checkin': {
    summary: 'Check one terminal in now (admin); also un-parks a parked terminal',
    path: terminalPath,
    answers: { 200: terminalSchema },
  },
  'POST /v1/payments': {
    summary: 'Pay: the cashier scanned the customer’s barcode (cashier)',
    description: '200 with the order when final; 202 with the order still CREATED when the provider has not finished within the request — poll GET /v1/orders/{order_id}; the backend finishes it regardless.',
    body: payBody,
    example: { terminal_sn: '100000000000000001', client_sn: 'pos1-20261126-0001', total_amount: 1000, dynamic_id: '280000000000000000', subject: 'Jasmine tea', operator: 'ann' },
    answers: { 200: orderView, 202: orderView },
  },
  'POST /v1/precreates': {
    summary: 'Precreate: a QR code for the customer to scan, with its picture (cashier)',
    body: precreateBody,
    example: { terminal_sn: '100000000000000001', client_sn: 'pos1-20261126-0002', total_amount: 2500, payway: '3', subject: 'Cake', operator: 'ann' },
    answers: { 201: orderView, 200: orderView },
  },
  'GET /v1/orders/{order_id}': {
    summary: 'An order from the ledger, refreshed from the provider while not final or with refresh=true (cashier)',
    path: orderPath,
    query: orderQuery,
    answers: { 200: orderView },
  },
  'GET /v1/orders': {
    summary: 'Find an order by client_sn or by the provider’s sn; or with date, the store’s orders of that day (cashier)',
    description:
      'With `client_sn` or `sn`: that order. With `date` (a day in the merchant’s time zone): `{orders, next_cursor}`, the store’s orders of the day newest first, each without its refunds (one read per page; `refunded_amount` sums them, GET of the order lists them), optionally only one terminal’s or one status’s; pass `next_cursor` back as `cursor` for the next page (null at the end). Pages neither repeat nor skip an order while new ones arrive. A filtered page may hold fewer than `limit` orders and still have a next page.',
    query: z.object({ ...orderLookup.unwrap().shape, ...historyQuery.unwrap().partial().shape }),
    answers: { 200: z.union([orderView, historyPageSchema]) },
  },
  'POST /v1/orders/{order_id}/refunds': {
    summary: 'Refund part or all of an order; refund_request_no makes a retry safe (cashier)',
    description: '200 when the refund is settled (see its status), 202 while the provider has not confirmed it.',
    path: orderPath,
    body: refundBody,
    example: { refund_request_no: 'r1', refund_amount: 300, operator: 'ann' },
    answers: { 200: orderView, 202: orderView },
  },
  'POST /v1/orders/{order_id}/revoke': reversalDoc('Revoke today’s unrefunded payment in full (admin)'),
  'POST /v1/orders/{order_id}/cancel': reversalDoc('Cancel an open payment, or reverse an unrefunded one (admin)'),
  'GET /v1/attention': {
    summary: 'The worklist: orders and refunds a person must look at, oldest first (admin: own store; ops: every store or store_id)',
    query: attentionQuery,
    answerExample: { items: [{ order_id: ATTENTION_ORDER_EXAMPLE.order_id, refund_request_no: null, reason: ATTENTION_ORDER_EXAMPLE.attention, since: '2026-11-26T03:11:14.000Z', order: ATTENTION_ORDER_EXAMPLE }], next_cursor: null },
    answers: { 200: attentionPageSchema },
  },
  'POST /v1/orders/{order_id}/resolve': {
    summary: 'Resolve a case: the provider’s final state if it now shows one, else the given outcome, marked manual (admin: own store; ops: any)',
    description:
      'The provider is queried first. Without a final state there and without `outcome`: 409 NOT_RESOLVED and nothing changes. An outcome that the amounts forbid (a reversal of an order with refunds, a refund beyond what was paid) is a 409 CONFLICT. Each resolution is kept in the order’s `resolutions`.',
    path: orderPath,
    body: resolveBody,
    example: { note: 'Upay support confirmed no money moved', outcome: 'PAY_CANCELED' },
    answerExample: RESOLVED_EXAMPLE,
    answers: { 200: orderView },
  },
  'GET /v1/reports/daily': {
    summary: 'A store’s totals of a day in integer cents; with `Accept: text/csv` one row per order (admin: own store; ops: store_id)',
    description: 'CSV: a header row, then one row per order with the order view’s fields (amounts in cents), UTF-8.',
    query: reportQuery,
    answerExample: REPORT_EXAMPLE,
    answers: { 200: dailyReportSchema },
  },
  'GET /v1/terminals': {
    summary: 'The terminals, by terminal_sn (admin: own store; ops: every store or store_id)',
    query: terminalsQuery,
    answerExample: { terminals: [TERMINAL_EXAMPLE], next_cursor: CURSOR_EXAMPLE },
    answers: { 200: terminalsPageSchema },
  },
  'POST /v1/terminals/{terminal_sn}/retire': {
    summary: 'Retire a terminal (admin): no more check-ins or payments (409 TERMINAL_RETIRED); its orders stay readable and refundable; its key is scheduled for deletion',
    path: terminalPath,
    answerExample: { ...TERMINAL_EXAMPLE, status: 'retired', retired_at: '2026-11-27T02:00:00.000Z' },
    answers: { 200: terminalSchema },
  },
  'POST /v1/upay/notify': {
    summary: 'The provider’s callback (no JWT; SHA256withRSA signature in Authorization)',
    description: 'Only a hint: the order is re-queried from the provider. Answers the body `success`.',
    answers: { 200: 'success' },
  },
};

function answerExamples(doc: RouteDoc, answer: z.ZodType): Json {
  if (doc.answerExample !== undefined) return { example: doc.answerExample };
  if (answer === terminalSchema) return { example: TERMINAL_EXAMPLE };
  // GET /v1/orders answers either an order or a day's page.
  if (answer instanceof z.ZodUnion) {
    const { refunds: _refunds, ...listed } = ORDER_EXAMPLE;
    return { examples: { order: { value: ORDER_EXAMPLE }, day: { value: { orders: [listed], next_cursor: CURSOR_EXAMPLE } } } };
  }
  return { example: ORDER_EXAMPLE };
}

const errorSchema = z
  .object({ error: z.object({ code: z.enum(Object.keys(ERROR_STATUS) as [string, ...string[]]), message: z.string(), field: z.string().optional() }) })
  .meta({ id: 'Error' });

// API Gateway answers some requests itself, before any of our code runs, in its own shape,
// which an HTTP API cannot change: documented as what it is.
const gatewayErrorSchema = z
  .object({ message: z.string() })
  .meta({ id: 'GatewayError', description: 'API Gateway’s own answer, not our code’s: 401 `Unauthorized` (no or a bad token), 404 `Not Found` (no such route), 413 `Request Entity Too Large` (over its size limit)' });

function jsonSchema(schema: z.ZodType, components: Json, io: 'input' | 'output'): Json {
  const { $defs, $schema: _draft, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json & { $defs?: Json };
  // zod names shared schemas in $defs; OpenAPI keeps them in components, and so do the refs between them.
  const toComponents = (json: Json) => JSON.parse(JSON.stringify(json).replaceAll('#/$defs/', '#/components/schemas/')) as Json;
  Object.assign(components, toComponents($defs ?? {}));
  return toComponents(rest);
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', components: Json): Json[] {
  if (!schema) return [];
  const shape = jsonSchema(schema, components, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(shape.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (shape.required ?? []).includes(name),
    schema: property,
  }));
}

export function openApiDocument(): Json {
  const components: Json = {};
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const doc = DOCS[routeKey(route)];
    if (!doc) throw new Error(`no OpenAPI entry for ${routeKey(route)}`);
    const responses: Json = {};
    for (const [status, answer] of Object.entries(doc.answers)) {
      responses[status] =
        typeof answer === 'string'
          ? { description: answer, content: { 'text/plain': { schema: { type: 'string', const: answer } } } }
          : {
              description: 'OK',
              content: { 'application/json': { schema: jsonSchema(answer, components, 'output'), ...answerExamples(doc, answer) } },
            };
    }
    const error = jsonSchema(errorSchema, components, 'output');
    const eitherError = { oneOf: [error, jsonSchema(gatewayErrorSchema, components, 'output')] };
    if (route.jwt) responses[401] = { description: 'No valid token: API Gateway’s own `{"message": "Unauthorized"}`', content: { 'application/json': { schema: eitherError } } };
    responses[413] = { description: 'Over 16 KiB: our `PAYLOAD_TOO_LARGE`; over API Gateway’s own limit: its `{"message"}`', content: { 'application/json': { schema: eitherError } } };
    responses.default = { description: 'An error: 4xx for the caller’s mistakes (naming the field), 5xx for ours or the provider’s', content: { 'application/json': { schema: error } } };
    const operation: Json = {
      operationId: `${route.function}${route.method === 'GET' && route.path === '/v1/orders' ? 'ByNumber' : ''}`,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      parameters: [...parameters(doc.path, 'path', components), ...parameters(doc.query, 'query', components)],
      ...(doc.body
        ? { requestBody: { required: !doc.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(doc.body, components, 'input'), ...(doc.example !== undefined ? { example: doc.example } : {}) } } } }
        : {}),
      responses,
      security: route.jwt ? [{ jwt: [] }] : [],
    };
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Upay payment backend',
      version: '1',
      description:
        'The HTTP API merchants’ apps call. Amounts are integer cents; field names are the provider’s; text limits count characters. Every answer of our code has the shape `{"error": {code, message, field?}}` when it is an error; API Gateway itself answers 401 (no or a bad token), 404 (no such route) and 413 (over its size limit) as `{"message": …}` (GatewayError), which an HTTP API cannot change.',
    },
    paths,
    components: {
      schemas: components,
      securitySchemes: { jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An ID token whose claims carry custom:store_id and cognito:groups (admin, cashier or ops).' } },
    },
  };
}
