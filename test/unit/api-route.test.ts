import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { json, route, MAX_BODY_BYTES } from '../../lib/api/route.js';
import { ApiError } from '../../lib/api/errors.js';
import { httpEvent, lambdaContext } from '../support/http-events.js';

const body = z.strictObject({ amount: z.number().int().positive(), note: z.string().max(5).optional() });

function handlerWith(run = vi.fn(async () => json(200, { ok: true }))) {
  return { run, handler: route({ operation: 'test', role: 'cashier', body }, run) };
}

const parse = (result: { body?: string }) => JSON.parse(result.body ?? '{}') as { error?: { code: string; field?: string } };

describe('the route wrapper', () => {
  it('passes the parsed body and the caller to the handler', async () => {
    const { run, handler } = handlerWith();
    const result = await handler(httpEvent({ body: { amount: 5 }, caller: { store_id: 's1', role: 'cashier' } }), lambdaContext());
    expect(result.statusCode).toBe(200);
    expect(run).toHaveBeenCalledWith(expect.objectContaining({ body: { amount: 5 }, caller: { store_id: 's1', role: 'cashier', subject: 'user-1' } }));
  });

  it('answers 400 naming the field and never calls the handler on a schema violation', async () => {
    const { run, handler } = handlerWith();
    const result = await handler(httpEvent({ body: { amount: 1.5 } }), lambdaContext());
    expect(result.statusCode).toBe(400);
    expect(parse(result).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'amount' });
    expect(run).not.toHaveBeenCalled();
  });

  it('refuses fields the schema does not know, naming them', async () => {
    const { run, handler } = handlerWith();
    const result = await handler(httpEvent({ body: { amount: 1, amout: 2 } }), lambdaContext());
    expect(result.statusCode).toBe(400);
    expect(JSON.stringify(parse(result))).toContain('amout');
    expect(run).not.toHaveBeenCalled();
  });

  it('answers 400 INVALID_JSON for a body that is not JSON', async () => {
    const { handler } = handlerWith();
    const result = await handler(httpEvent({ rawBody: '{"amount":' }), lambdaContext());
    expect(result.statusCode).toBe(400);
    expect(parse(result).error?.code).toBe('INVALID_JSON');
  });

  it('answers 415 for a body that is not sent as JSON, never calling the handler', async () => {
    const { run, handler } = handlerWith();
    const event = httpEvent({ body: { amount: 1 } });
    event.headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(415);
    expect(parse(result).error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(run).not.toHaveBeenCalled();
  });

  it('answers 413 for a body over the limit', async () => {
    const { run, handler } = handlerWith();
    const result = await handler(httpEvent({ rawBody: JSON.stringify({ amount: 1, note: 'x'.repeat(MAX_BODY_BYTES) }) }), lambdaContext());
    expect(result.statusCode).toBe(413);
    expect(run).not.toHaveBeenCalled();
  });

  it('answers 403 when the token has no store or no role', async () => {
    const { run, handler } = handlerWith();
    const result = await handler(httpEvent({ body: { amount: 1 }, caller: null }), lambdaContext());
    expect(result.statusCode).toBe(403);
    expect(run).not.toHaveBeenCalled();
  });

  it('lets an admin do what a cashier may, but not the other way round', async () => {
    const adminOnly = route({ operation: 'admin-test', role: 'admin' }, async () => json(200, {}));
    expect((await adminOnly(httpEvent({ caller: { store_id: 's', role: 'cashier' } }), lambdaContext())).statusCode).toBe(403);
    expect((await adminOnly(httpEvent({ caller: { store_id: 's', role: 'admin' } }), lambdaContext())).statusCode).toBe(200);
    const { handler } = handlerWith();
    expect((await handler(httpEvent({ body: { amount: 1 }, caller: { store_id: 's', role: 'admin' } }), lambdaContext())).statusCode).toBe(200);
  });

  it('maps an ApiError thrown by the handler to its status and code', async () => {
    const { handler } = handlerWith(vi.fn(async () => {
      throw new ApiError('NOT_FOUND', 'no such order');
    }));
    const result = await handler(httpEvent({ body: { amount: 1 } }), lambdaContext());
    expect(result.statusCode).toBe(404);
    expect(parse(result)).toEqual({ error: { code: 'NOT_FOUND', message: 'no such order' } });
  });

  it('answers an unexpected error with a generic 500 that does not echo its message', async () => {
    const { handler } = handlerWith(vi.fn(async () => {
      throw new Error('secret-detail-123');
    }));
    const result = await handler(httpEvent({ body: { amount: 1 } }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret-detail-123');
    expect(parse(result).error?.code).toBe('INTERNAL');
  });
});
