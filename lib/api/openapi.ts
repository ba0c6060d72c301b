// The OpenAPI 3.1 document, generated from the very zod schemas that validate requests and
// from the route table, so the contract cannot drift from the code (docs/openapi.json is
// checked to be current by a test).
import * as z from 'zod';
import { ROUTES, routeKey } from './routes.js';
import { ERROR_STATUS } from './errors.js';
import { activationBody, terminalPath, terminalSchema } from './schemas/terminals.js';
import { orderLookup, orderPath, orderQuery, orderView, payBody, precreateBody, refundBody, revokeBody } from './schemas/payments.js';

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

interface RouteDoc {
  summary: string;
  description?: string;
  body?: z.ZodType;
  path?: z.ZodObject;
  query?: z.ZodType;
  example?: unknown;
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
  'GET /v1/orders': { summary: 'Find an order by client_sn or by the provider’s sn (cashier)', query: orderLookup, answers: { 200: orderView } },
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
  'POST /v1/upay/notify': {
    summary: 'The provider’s callback (no JWT; SHA256withRSA signature in Authorization)',
    description: 'Only a hint: the order is re-queried from the provider. Answers the body `success`.',
    answers: { 200: 'success' },
  },
};

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
  Object.assign(components, $defs ?? {});
  return JSON.parse(JSON.stringify(rest).replaceAll('#/$defs/', '#/components/schemas/')) as Json;
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
              content: { 'application/json': { schema: jsonSchema(answer, components, 'output'), example: answer === terminalSchema ? TERMINAL_EXAMPLE : ORDER_EXAMPLE } },
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
      securitySchemes: { jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An ID token whose claims carry custom:store_id and cognito:groups (admin or cashier).' } },
    },
  };
}
