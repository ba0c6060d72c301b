// `npm run bench:sandbox [-- --requests N --concurrency C]`: throughput of the Upay sandbox.
// The sandbox runs in its own process (the CLI, as other integrators run it) so that the
// load generator does not share its event loop; signed pay+query pairs go over keep-alive
// connections with a bounded number in flight. A benchmark, not a test: it prints a figure.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '32' } },
});
const totalRequests = Number(values.requests);
const concurrency = Number(values.concurrency);

interface Started {
  base_url: string;
  vendor_sn: string;
  vendor_key: string;
  app_id: string;
  activation_codes: string[];
}

interface Envelope {
  result_code: string;
  biz_response?: { result_code?: string; terminal_sn?: string; terminal_key?: string; data?: { sn?: string } };
}

const cli = fileURLToPath(new URL('../local/sandbox/cli.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [firstLine] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const sandbox = JSON.parse(firstLine) as Started;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function post(path: string, fields: object, sn: string, key: string): Promise<Envelope> {
  const body = JSON.stringify(fields);
  const sign = createHash('md5').update(body).update(key).digest('hex');
  return new Promise((resolve, reject) => {
    const call = request(
      `${sandbox.base_url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `${sn} ${sign}` },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope));
        response.on('error', reject);
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}

try {
  const code = sandbox.activation_codes[0];
  if (code === undefined) throw new Error('the sandbox printed no activation code');
  const activated = await post('/terminal/activate', { app_id: sandbox.app_id, code, device_id: 'bench-device' }, sandbox.vendor_sn, sandbox.vendor_key);
  const terminalSn = activated.biz_response?.terminal_sn;
  const terminalKey = activated.biz_response?.terminal_key;
  if (terminalSn === undefined || terminalKey === undefined) throw new Error(`activation failed: ${JSON.stringify(activated)}`);

  const pairs = Math.floor(totalRequests / 2);
  let nextPair = 0;
  let unexpected = 0;
  const worker = async (): Promise<void> => {
    while (nextPair < pairs) {
      const n = nextPair++;
      const paid = await post(
        '/upay/v2/pay',
        { terminal_sn: terminalSn, client_sn: `bench-${n}`, total_amount: '100', dynamic_id: '280000000000000000', subject: 'bench', operator: 'bench' },
        terminalSn,
        terminalKey,
      );
      if (paid.biz_response?.result_code !== 'PAY_SUCCESS') unexpected += 1;
      const queried = await post('/upay/v2/query', { terminal_sn: terminalSn, sn: paid.biz_response?.data?.sn ?? '' }, terminalSn, terminalKey);
      if (queried.biz_response?.result_code !== 'SUCCESS') unexpected += 1;
    }
  };

  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const requests = pairs * 2;
  console.log(
    `upay sandbox: ${requests} requests (${pairs} signed pay+query pairs), concurrency ${concurrency}, ` +
      `${seconds.toFixed(2)} s → ${Math.round(requests / seconds)} req/s; unexpected replies: ${unexpected}`,
  );
  if (unexpected > 0) process.exitCode = 1;
} finally {
  agent.destroy();
  child.kill('SIGTERM');
  await once(child, 'exit');
}
