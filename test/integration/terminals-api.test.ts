// The terminal routes over HTTP: activation, a retried activation, the admin view (never the
// key) and an admin check-in that rotates the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { LocalStack } from '../../local/stack.js';
import { call, sandboxControl, startTestStack } from './helpers/local-stack.js';

interface TerminalBody {
  terminal_sn: string;
  status: string;
  store_id: string;
  key_age_seconds: number;
  checked_in_at?: string;
}

let stack: LocalStack;
let keyFile: string;

beforeAll(async () => {
  stack = await startTestStack();
  keyFile = stack.keyFile;
});
afterAll(() => stack?.close());

const keysOnDisk = () => readFileSync(keyFile, 'utf8');

describe('the terminal routes', () => {
  it('activates a terminal (201), and a retry for the same device returns it (200) without using another code', async () => {
    const { code } = (await sandboxControl(stack.sandbox.url, 'POST', 'activation-codes', { uses: 1, store_id: stack.storeId })) as { code: string };
    const body = { activation_code: code, device_id: 'till-api', name: 'Front' };
    const first = await call<TerminalBody>(stack, 'POST', '/v1/terminals', { token: stack.tokens.admin, body });
    const again = await call<TerminalBody>(stack, 'POST', '/v1/terminals', { token: stack.tokens.admin, body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.terminal_sn).toBe(first.body.terminal_sn);
    expect(first.body).toMatchObject({ status: 'active', store_id: stack.storeId });
  });

  it('answers a used-up activation code with a 4xx naming activation_code', async () => {
    const { code } = (await sandboxControl(stack.sandbox.url, 'POST', 'activation-codes', { uses: 1, store_id: stack.storeId })) as { code: string };
    await call(stack, 'POST', '/v1/terminals', { token: stack.tokens.admin, body: { activation_code: code, device_id: 'till-a' } });
    const used = await call<{ error: { code: string; field: string } }>(stack, 'POST', '/v1/terminals', { token: stack.tokens.admin, body: { activation_code: code, device_id: 'till-b' } });
    expect(used.status).toBe(422);
    expect(used.body.error).toMatchObject({ code: 'PROVIDER_REFUSED', field: 'activation_code' });
  });

  it('shows status, last check-in and key age, never the key; an admin check-in rotates the key', async () => {
    const { code } = (await sandboxControl(stack.sandbox.url, 'POST', 'activation-codes', { uses: 1, store_id: stack.storeId })) as { code: string };
    const terminal = (await call<TerminalBody>(stack, 'POST', '/v1/terminals', { token: stack.tokens.admin, body: { activation_code: code, device_id: 'till-view' } })).body;
    const before = keysOnDisk();
    const view = await call<TerminalBody>(stack, 'GET', `/v1/terminals/${terminal.terminal_sn}`, { token: stack.tokens.admin });
    expect(view.status).toBe(200);
    expect(view.body.key_age_seconds).toBeGreaterThanOrEqual(0);
    const stored = (JSON.parse(before) as { terminals: Record<string, { current: { terminal_key: string } }> }).terminals[terminal.terminal_sn]?.current.terminal_key ?? '';
    expect(stored.length).toBeGreaterThan(8);
    expect(JSON.stringify(view.body)).not.toContain(stored);

    const checkin = await call<TerminalBody>(stack, 'POST', `/v1/terminals/${terminal.terminal_sn}/checkin`, { token: stack.tokens.admin });
    expect(checkin.status).toBe(200);
    expect(checkin.body.checked_in_at).toBeDefined();
    expect(JSON.stringify(checkin.body)).not.toContain(stored);
    expect(keysOnDisk()).not.toBe(before);
    expect(((await sandboxControl(stack.sandbox.url, 'GET', `terminals/${terminal.terminal_sn}`)) as { checkins: number }).checkins).toBe(1);
  });
});
