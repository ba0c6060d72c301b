import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sandboxDir = fileURLToPath(new URL('../../local/sandbox/', import.meta.url));

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

async function runModule(source: string): Promise<ChildResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout };
}

describe('closing the sandbox', () => {
  it('leaves no timer, socket or server behind, even with a callback retry and a delayed reply pending', async () => {
    // The child exits on its own only if close() released everything; if something is
    // left, the (unref'd) watchdog names it and fails the exit code instead of hanging.
    const result = await runModule(`
      import { createHash } from 'node:crypto';
      import { createServer } from 'node:http';
      import { once } from 'node:events';
      import { startSandbox } from ${JSON.stringify(`${sandboxDir}index.ts`)};

      let callbacks = 0;
      const receiver = createServer((_, response) => { callbacks += 1; response.end('not yet'); });
      receiver.listen(0, '127.0.0.1');
      await once(receiver, 'listening');
      const sandbox = await startSandbox({ port: 0, notifyRetryDelaysMs: [60000, 60000] });
      const post = (path, fields, sn, key) => {
        const body = JSON.stringify(fields);
        const sign = createHash('md5').update(body).update(key).digest('hex');
        return fetch(sandbox.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: sn + ' ' + sign }, body });
      };
      const activated = await (await post('/terminal/activate',
        { app_id: sandbox.vendor.app_id, code: sandbox.activationCodes[0], device_id: 'lifecycle' },
        sandbox.vendor.vendor_sn, sandbox.vendor.vendor_key)).json();
      const { terminal_sn, terminal_key } = activated.biz_response;
      const order = { terminal_sn, total_amount: '100', dynamic_id: '280000000000000000', subject: 's', operator: 'o' };
      await post('/upay/v2/pay', { ...order, client_sn: 'notified', notify_url: 'http://127.0.0.1:' + receiver.address().port + '/cb' }, terminal_sn, terminal_key);
      while (callbacks === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await fetch(sandbox.url + '/_sandbox/faults', { method: 'POST', body: JSON.stringify({ kind: 'delay', delay_ms: 60000 }) });
      const delayed = post('/upay/v2/pay', { ...order, client_sn: 'delayed' }, terminal_sn, terminal_key).then(() => 'answered', () => 'socket closed');
      while ((await (await fetch(sandbox.url + '/_sandbox/orders')).json()).orders.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));

      await sandbox.close();
      receiver.close();
      console.log('delayed pay: ' + (await delayed));
      setTimeout(() => {
        console.log('still alive: ' + JSON.stringify(process.getActiveResourcesInfo()));
        process.exit(3);
      }, 5000).unref();
    `);
    expect(result.stdout).toContain('delayed pay: socket closed');
    expect(result.stdout).not.toContain('still alive');
    expect(result.code).toBe(0);
  });
});

describe('npm run sandbox (cli.ts)', () => {
  it('prints exactly one JSON line with the connection facts, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${sandboxDir}cli.ts`, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    const reader = createInterface({ input: child.stdout });
    reader.on('line', (line) => lines.push(line));
    const [first] = (await once(reader, 'line')) as [string];
    const started = JSON.parse(first) as Record<string, unknown>;
    expect(Object.keys(started).sort()).toEqual(['activation_codes', 'app_id', 'base_url', 'public_key_pem', 'vendor_key', 'vendor_sn']);
    expect(started.base_url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
    expect(String(started.public_key_pem)).toContain('BEGIN PUBLIC KEY');
    const clock = await fetch(`${String(started.base_url)}/_sandbox/clock`);
    expect(clock.status).toBe(200);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
  });
});
