// One signed POST: the bytes are signed once and those same bytes are sent. No retries here —
// only the flows know which calls are safe to repeat.

import { sign } from './signing.js';
import type { Credentials, TransportFailure } from './types.js';

export interface SignedPost {
  url: string;
  credentials: Credentials;
  body: Uint8Array;
  timeoutMs: number;
  fetch: typeof fetch;
}

export type HttpReply = { ok: true; text: string } | { ok: false; failure: TransportFailure };

// Failures that happen before the request could reach the provider: nothing was applied.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TIMED_OUT = Symbol('timed out');

/** The first error code on the error or its causes (fetch wraps the socket error in `cause`). */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return undefined;
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') return code;
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return undefined;
}

function thrownFailure(error: unknown): TransportFailure {
  const code = errorCode(error);
  // A failed certificate check ends the handshake before any request byte is written.
  if (code !== undefined && (NOT_SENT_CODES.has(code) || code.includes('CERT'))) {
    return { kind: 'not_sent', cause: code };
  }
  return { kind: 'connection_lost', cause: code ?? (error instanceof Error ? error.name : 'unknown') };
}

export async function post(call: SignedPost): Promise<HttpReply> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // Raced against every await, so even a fetch that ignores its signal cannot outlive the timeout.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(TIMED_OUT);
      controller.abort();
    }, call.timeoutMs);
  });
  deadline.catch(() => undefined);
  try {
    const response = await Promise.race([
      call.fetch(call.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `${call.credentials.sn} ${sign(call.body, call.credentials.key)}`,
        },
        body: call.body,
        signal: controller.signal,
      }),
      deadline,
    ]);
    if (response.status !== 200) {
      response.body?.cancel().catch(() => undefined);
      return {
        ok: false,
        failure: { kind: 'bad_reply', reason: `HTTP status ${response.status}`, httpStatus: response.status },
      };
    }
    const bytes = await Promise.race([response.arrayBuffer(), deadline]);
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      return { ok: false, failure: { kind: 'bad_reply', reason: 'reply is not UTF-8' } };
    }
  } catch (error) {
    if (error === TIMED_OUT) return { ok: false, failure: { kind: 'timeout', timeoutMs: call.timeoutMs } };
    return { ok: false, failure: thrownFailure(error) };
  } finally {
    clearTimeout(timer);
  }
}
