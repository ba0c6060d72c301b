import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { openApiDocument } from '../../lib/api/openapi.js';
import { ROUTES } from '../../lib/api/routes.js';
import { activationBody, terminalSchema } from '../../lib/api/schemas/terminals.js';
import { orderView, payBody, precreateBody, refundBody } from '../../lib/api/schemas/payments.js';

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
      const example = answer?.content?.['application/json']?.example;
      if (route.function === 'notify') continue; // answers the text `success`
      expect(example, `${route.method} ${route.path} ${status}`).toBeDefined();
      const schema = route.path.startsWith('/v1/terminals') ? terminalSchema : orderView;
      expect(schema.safeParse(example).success, route.path).toBe(true);
    }
  });

  it('gives request examples that the request schemas themselves accept', () => {
    const examples: [string, string, { safeParse(v: unknown): { success: boolean } }][] = [
      ['POST', '/v1/terminals', activationBody],
      ['POST', '/v1/payments', payBody],
      ['POST', '/v1/precreates', precreateBody],
      ['POST', '/v1/orders/{order_id}/refunds', refundBody],
    ];
    for (const [method, path, schema] of examples) {
      const example = operation(method, path)?.requestBody?.content['application/json'].example;
      expect(example, path).toBeDefined();
      expect(schema.safeParse(example).success, path).toBe(true);
    }
  });
});
