// `npm start` as a new user meets it: the script itself in a fresh directory, its output read
// as printed. The banner's lines are pasted into a shell and must all work; the console carries
// no metrics or JSON log lines, only one readable line per request; a port in use is named.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../local/dynamodb.js';

const REPO = resolve(import.meta.dirname, '../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');
const START = join(REPO, 'local/start.ts');

interface Run {
  child: ChildProcess;
  dir: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** local/start.ts in a fresh directory, on the tests' DynamoDB Local, with the environment a user has. */
function startScript(env: Record<string, string>): Run {
  const dir = mkdtempSync(join(tmpdir(), 'upay-start-'));
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('POWERTOOLS_')));
  const child = spawn(TSX, [START], {
    cwd: dir,
    env: { ...inherited, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOCAL_DYNAMODB_ENDPOINT: inject('dynamoEndpoint'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, dir, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once the banner is out; fails if the script exits first. */
async function bannerOf(run: Run): Promise<string> {
  const done = () => run.stdout().includes('Ctrl-C stops everything');
  while (!done()) {
    const ended = await Promise.race([once(run.child.stdout!, 'data').then(() => false), run.exited.then(() => true)]);
    if (ended && !done()) throw new Error(`npm start exited: ${run.stderr()}`);
  }
  return run.stdout();
}

async function occupied(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

describe('npm start', () => {
  let run: Run;
  let banner: string;
  let pasted: { status: number; stdout: string; stderr: string };

  beforeAll(async () => {
    run = startScript({ PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()) });
    banner = await bannerOf(run);
    // What a user copies: the lines of the banner that are commands, in order, into one shell.
    const commands = banner
      .split('\n')
      .filter((line) => /^ {2}(export|curl) /.test(line))
      .map((line) => line.trim());
    pasted = await promisify(execFile)('bash', ['-e', '-c', commands.join('\n')], { encoding: 'utf8', timeout: 120_000 }).then(
      ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ status: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );
    // The script prints a request's line once it has answered it: wait for the last one.
    while (!/\/v1\/terminals {2}201 .*\n[\s\S]*\/v1\/terminals {2}201 /.test(run.stdout())) await once(run.child.stdout!, 'data');
  });

  afterAll(async () => {
    if (run && run.child.exitCode === null) {
      run.child.kill('SIGINT');
      await run.exited;
    }
  });

  it('prints each token once, as a shell export, and curl lines that use the variables', () => {
    const tokens = banner.match(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g) ?? [];
    expect(tokens.length).toBe(3);
    expect(new Set(tokens).size).toBe(3);
    expect(banner).toMatch(/^ {2}export CASHIER='eyJ/m);
    expect(banner).toMatch(/^ {2}export ADMIN='eyJ/m);
    expect(banner).toMatch(/^ {2}export OPS='eyJ/m);
    const curls = banner.split('\n').filter((line) => /^ {2}curl /.test(line));
    expect(curls.length).toBeGreaterThanOrEqual(6);
    for (const line of curls) expect(line).toContain("-w '\\n-> HTTP %{http_code}\\n'");
  });

  it('runs every pasted line successfully: pay 200, precreate 201, the customer pays 200, refund 200, order 200, second terminal 201', () => {
    expect(pasted.status, pasted.stderr).toBe(0);
    expect([...pasted.stdout.matchAll(/-> HTTP (\d+)/g)].map((match) => match[1])).toEqual(['200', '201', '200', '200', '200', '201']);
  });

  it('refunds the barcode payment it says it refunds', () => {
    const title = banner.split('\n').find((line) => line.startsWith('A partial refund')) ?? '';
    const orderNo = /order (demo-\d+)/.exec(banner)?.[1] ?? '';
    expect(title).toContain(`order ${orderNo},`);
    const refunded = JSON.parse(pasted.stdout.split('\n').find((line) => line.includes('"refunds":[{')) ?? '{}') as { client_sn?: string; refunded_amount?: number };
    expect(refunded).toMatchObject({ client_sn: orderNo, refunded_amount: 300 });
  });

  it('writes a fresh activation code of the local store, and how to get more, to .local/stack.json', () => {
    const facts = JSON.parse(readFileSync(join(run.dir, '.local/stack.json'), 'utf8')) as Record<string, unknown>;
    expect(facts).toMatchObject({ store_id: 'demo-store', activation_code: expect.stringMatching(/^\d+$/), more_activation_codes: expect.stringContaining('/_sandbox/activation-codes') });
    expect(banner).toContain(`a fresh code for another terminal: ${String(facts.activation_code)}`);
  });

  it('prints no metrics and no JSON logs, only one readable line per request', () => {
    const output = `${run.stdout()}\n${run.stderr()}`;
    expect(output).not.toContain('"_aws"');
    expect(output).not.toContain('No application metrics');
    expect(output.split('\n').filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(run.stdout()).toMatch(/^\d\d:\d\d:\d\d {2}POST \/v1\/payments {2}200 {2}\d+ ms {2}ord_[\w-]+$/m);
    expect(run.stdout()).toMatch(/^\d\d:\d\d:\d\d {2}GET \/v1\/orders\/\{order_id\} {2}200 {2}\d+ ms {2}ord_[\w-]+$/m);
  });
});

describe('npm start on a port in use', () => {
  it.each([
    ['PORT', "the API's port"],
    ['SANDBOX_PORT', "the sandbox's port"],
  ])('names the port taken (%s) and how to choose others, and exits 1 without a stack trace', async (variable, what) => {
    const taken = await occupied();
    try {
      const other = variable === 'PORT' ? 'SANDBOX_PORT' : 'PORT';
      const run = startScript({ [variable]: String(taken.port), [other]: String(await freePort()) });
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(`${what} ${taken.port} is already in use`);
      expect(run.stderr()).toMatch(/PORT=\d+ SANDBOX_PORT=\d+ npm start/);
      expect(run.stderr()).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      taken.server.close();
    }
  });
});
