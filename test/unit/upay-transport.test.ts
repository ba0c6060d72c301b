import { describe, expect, it, vi } from 'vitest';
import { UpayClient, failureCertainty } from '../../lib/upay/index.js';
import type { TransportFailure } from '../../lib/upay/index.js';

const TERMINAL = { sn: '100000000001', key: 'terminal-secret-key' };
const QUERY = { client_sn: 'o-1' };

function clientWith(fetchImpl: typeof fetch, timeoutMs?: number) {
  const fetchSpy = vi.fn<typeof fetch>(fetchImpl);
  return { fetchSpy, client: new UpayClient({ baseUrl: 'http://upay.test', fetch: fetchSpy, ...(timeoutMs && { timeoutMs }) }) };
}

/** The shape Node's fetch (undici) rejects with: a TypeError whose cause carries the socket error code. */
function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code }) });
}

const never = () => new Promise<Response>(() => undefined);

describe('a call that gets no reply in time', () => {
  it('is a timeout, even when fetch ignores the abort signal', async () => {
    const { client } = clientWith(never);
    const outcome = await client.query(TERMINAL, QUERY, { timeoutMs: 20 });
    expect(outcome).toEqual({ kind: 'transport', failure: { kind: 'timeout', timeoutMs: 20 } });
  });

  it('aborts the request it gave up on', async () => {
    let signal: AbortSignal | undefined;
    const { client } = clientWith((_url, init) => {
      signal = init?.signal ?? undefined;
      return never();
    });
    await client.pay(TERMINAL, { client_sn: 'o-1', total_amount: 1, dynamic_id: '2', subject: 's', operator: 'o' }, { timeoutMs: 10 });
    expect(signal?.aborted).toBe(true);
  });

  it('uses the client default when the call gives no timeout', async () => {
    const { client } = clientWith(never, 15);
    expect(await client.query(TERMINAL, QUERY)).toEqual({ kind: 'transport', failure: { kind: 'timeout', timeoutMs: 15 } });
  });

  it('is a timeout when the headers arrive but the body never ends', async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"result_code":"200",'));
      },
    });
    const { client } = clientWith(async () => new Response(stalled));
    expect(await client.query(TERMINAL, QUERY, { timeoutMs: 20 })).toMatchObject({ failure: { kind: 'timeout' } });
  });

  it('is an outcome nobody knows, never a failure', () => {
    expect(failureCertainty({ kind: 'timeout', timeoutMs: 20 })).toBe('unknown');
  });
});

describe('a call that could not connect', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'DEPTH_ZERO_SELF_SIGNED_CERT'])(
    'with %s was not sent',
    async (code) => {
      const { client } = clientWith(async () => {
        throw fetchFailed(code);
      });
      expect(await client.query(TERMINAL, QUERY)).toEqual({ kind: 'transport', failure: { kind: 'not_sent', cause: code } });
    },
  );

  it('was not sent when every address refused (the error comes wrapped in an AggregateError)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED' });
    const { client } = clientWith(async () => {
      throw new TypeError('fetch failed', { cause: new AggregateError([refused]) });
    });
    expect(await client.query(TERMINAL, QUERY)).toMatchObject({ failure: { kind: 'not_sent', cause: 'ECONNREFUSED' } });
  });

  it('is called exactly once: the client never retries', async () => {
    const { client, fetchSpy } = clientWith(async () => {
      throw fetchFailed('ECONNREFUSED');
    });
    await client.query(TERMINAL, QUERY);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });
});

describe('a call whose connection broke after sending', () => {
  it.each(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'])('with %s lost the connection', async (code) => {
    const { client } = clientWith(async () => {
      throw fetchFailed(code);
    });
    expect(await client.query(TERMINAL, QUERY)).toEqual({ kind: 'transport', failure: { kind: 'connection_lost', cause: code } });
  });

  it('with an error the client does not recognise is treated as lost, outcome unknown', async () => {
    const { client } = clientWith(async () => {
      throw new Error('something odd');
    });
    const outcome = await client.query(TERMINAL, QUERY);
    expect(outcome).toEqual({ kind: 'transport', failure: { kind: 'connection_lost', cause: 'Error' } });
  });

  it('while the body was being read lost the connection', async () => {
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
      },
    });
    const { client } = clientWith(async () => new Response(broken));
    expect(await client.query(TERMINAL, QUERY)).toMatchObject({ failure: { kind: 'connection_lost', cause: 'UND_ERR_SOCKET' } });
  });
});

describe('a reply that is not the protocol', () => {
  it('that is not JSON is a bad reply', async () => {
    const { client } = clientWith(async () => new Response('Service Unavailable'));
    expect(await client.query(TERMINAL, QUERY)).toEqual({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'reply is not JSON' } });
  });

  it('with an HTTP status other than 200 is a bad reply, whatever its body says', async () => {
    const envelope = JSON.stringify({ result_code: '200', biz_response: { result_code: 'FAIL', error_code: 'UPAY_ORDER_NOT_EXISTS' } });
    const { client } = clientWith(async () => new Response(envelope, { status: 502 }));
    expect(await client.query(TERMINAL, QUERY)).toEqual({
      kind: 'transport',
      failure: { kind: 'bad_reply', reason: 'HTTP status 502', httpStatus: 502 },
    });
  });

  it.each([201, 204, 400, 500])('with HTTP status %i is a bad reply', async (status) => {
    const { client } = clientWith(async () => new Response(status === 204 ? null : '{}', { status }));
    expect(await client.query(TERMINAL, QUERY)).toMatchObject({ failure: { kind: 'bad_reply', httpStatus: status } });
  });

  it('that is not UTF-8 is a bad reply', async () => {
    const { client } = clientWith(async () => new Response(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])));
    expect(await client.query(TERMINAL, QUERY)).toMatchObject({ failure: { kind: 'bad_reply', reason: 'reply is not UTF-8' } });
  });

  it('with a malformed amount is a bad reply', async () => {
    const data = { sn: '7895000000000001', client_sn: 'o-1', order_status: 'PAID', total_amount: '10.00', net_amount: '1000' };
    const { client } = clientWith(async () => new Response(JSON.stringify({ result_code: '200', biz_response: { result_code: 'SUCCESS', data } })));
    expect(await client.query(TERMINAL, QUERY)).toMatchObject({
      failure: { kind: 'bad_reply', reason: 'data.total_amount is not a whole number of digits' },
    });
  });
});

describe('what a transport failure proves', () => {
  const cases: [TransportFailure, 'not_applied' | 'unknown'][] = [
    [{ kind: 'not_sent', cause: 'ECONNREFUSED' }, 'not_applied'],
    [{ kind: 'illegal_sign' }, 'not_applied'],
    [{ kind: 'client_error', code: 'INVALID_PARAMS' }, 'not_applied'],
    [{ kind: 'server_error', code: 'UNKNOWN_SYSTEM_ERROR', maintenance: false }, 'not_applied'],
    [{ kind: 'server_error', code: 'MAINTENANCE_INPROGRESS', maintenance: true }, 'not_applied'],
    [{ kind: 'timeout', timeoutMs: 10 }, 'unknown'],
    [{ kind: 'connection_lost', cause: 'ECONNRESET' }, 'unknown'],
    [{ kind: 'bad_reply', reason: 'reply is not JSON' }, 'unknown'],
  ];

  it.each(cases)('%o means %s', (failure, certainty) => {
    expect(failureCertainty(failure)).toBe(certainty);
  });
});

describe('the terminal key', () => {
  it('appears in no outcome, whatever went wrong', async () => {
    const replies: (() => Promise<Response>)[] = [
      async () => new Response(`not json ${TERMINAL.key}`),
      async () => new Response(TERMINAL.key, { status: 500 }),
      async () => new Response(JSON.stringify({ result_code: '400', error_code: 'ILLEGAL_SIGN' })),
      async () => {
        throw fetchFailed('ECONNRESET');
      },
      never,
    ];
    for (const reply of replies) {
      const { client } = clientWith(reply);
      const outcome = await client.query(TERMINAL, QUERY, { timeoutMs: 10 });
      expect(outcome.kind).toBe('transport');
      expect(JSON.stringify(outcome)).not.toContain(TERMINAL.key);
    }
  });
});
