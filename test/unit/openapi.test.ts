import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { openApiDocument } from '../../lib/api/openapi.js';
import { ROUTES } from '../../lib/api/routes.js';
import { activationBody, terminalSchema } from '../../lib/api/schemas/terminals.js';
import { orderView, payBody, precreateBody, refundBody } from '../../lib/api/schemas/payments.js';
import { attentionPageSchema, dailyReportSchema, historyPageSchema, resolveBody, terminalsPageSchema } from '../../lib/api/schemas/records.js';

type Schema = { safeParse(v: unknown): { success: boolean } };
// What each route answers, where it is not an order.
const ANSWERS: Record<string, Schema> = {
  'GET /v1/attention': attentionPageSchema,
  'GET /v1/reports/daily': dailyReportSchema,
  'GET /v1/terminals': terminalsPageSchema,
};

type Operation = { requestBody?: { content: { 'application/json': { example?: unknown } } }; security: unknown[] };
const document = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
const operation = (method: string, path: string) => document.paths[path]?.[method.toLowerCase()];

describe('the OpenAPI document', () => {
  it('is committed as docs/openapi.json exactly as the schemas generate it (run `npm run openapi`)', () => {
    expect(JSON.parse(readFileSync('docs/openapi.json', 'utf8'))).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('describes every route, each protected by the JWT scheme except the provider callback', () => {
    for (const route of ROUTES) {
      const op = operation(route.method, route.path);
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op?.security.length).toBe(route.jwt ? 1 : 0);
    }
  });

  it('gives an example answer for every route, which the answer schema accepts', () => {
    for (const route of ROUTES) {
      const answers = (operation(route.method, route.path) as unknown as { responses: Record<string, { content?: Record<string, { example?: unknown }> }> }).responses;
      const [status, answer] = Object.entries(answers).find(([code]) => code.startsWith('2')) ?? [];
      const media = answer?.content?.['application/json'] as { example?: unknown; examples?: Record<string, { value: unknown }> } | undefined;
      if (route.function === 'notify') continue; // answers the text `success`
      const key = `${route.method} ${route.path}`;
      if (key === 'GET /v1/orders') {
        // One order by number, or a day's page.
        expect(orderView.safeParse(media?.examples?.order?.value).success, key).toBe(true);
        expect(historyPageSchema.safeParse(media?.examples?.day?.value).success, key).toBe(true);
        continue;
      }
      expect(media?.example, `${key} ${status}`).toBeDefined();
      const schema = ANSWERS[key] ?? (route.path.startsWith('/v1/terminals') ? terminalSchema : orderView);
      expect(schema.safeParse(media?.example).success, key).toBe(true);
    }
  });

  it('gives request examples that the request schemas themselves accept', () => {
    const examples: [string, string, Schema][] = [
      ['POST', '/v1/terminals', activationBody],
      ['POST', '/v1/payments', payBody],
      ['POST', '/v1/precreates', precreateBody],
      ['POST', '/v1/orders/{order_id}/refunds', refundBody],
      ['POST', '/v1/orders/{order_id}/resolve', resolveBody],
    ];
    for (const [method, path, schema] of examples) {
      const example = operation(method, path)?.requestBody?.content['application/json'].example;
      expect(example, path).toBeDefined();
      expect(schema.safeParse(example).success, path).toBe(true);
    }
  });
});
