import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SandboxClock } from './clock.js';

export const DEFAULT_NOTIFY_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000, 600_000];

// A receiver that never answers must not pin a delivery (or `close()`) for long.
const ATTEMPT_TIMEOUT_MS = 10_000;
const ANSWER_KEPT_CHARS = 256;

export interface NotifyAttempt {
  url: string;
  sn: string;
  client_sn: string;
  attempt: number;
  at: number;
  http_status: number | null;
  answer: string | null;
  error: string | null;
  accepted: boolean;
}

interface Delivery {
  url: URL;
  sn: string;
  clientSn: string;
  body: Buffer;
  authorization: string;
}

interface Answer {
  httpStatus: number | null;
  answer: string | null;
  error: string | null;
}

// Sends the provider's callbacks: the final order as JSON, signed SHA256withRSA over the raw
// body, again after each configured delay until a receiver answers exactly `success`.
export class Notifier {
  readonly #log: NotifyAttempt[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<ClientRequest>();
  #stopped = false;

  constructor(
    private readonly signingKey: KeyObject,
    private readonly retryDelaysMs: readonly number[],
    private readonly clock: SandboxClock,
  ) {}

  announce(notifyUrl: string, terminalSn: string, order: { sn: string; clientSn: string }, orderJson: string): void {
    const body = Buffer.from(orderJson, 'utf8');
    const signature = sign('sha256', body, this.signingKey).toString('base64');
    this.#attempt({ url: new URL(notifyUrl), sn: order.sn, clientSn: order.clientSn, body, authorization: `${terminalSn} ${signature}` }, 1);
  }

  attempts(): readonly NotifyAttempt[] {
    return this.#log;
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const request of this.#inFlight) request.destroy();
    this.#inFlight.clear();
  }

  #attempt(delivery: Delivery, attempt: number): void {
    if (this.#stopped) return;
    const at = this.clock.now();
    void this.#post(delivery).then(({ httpStatus, answer, error }) => {
      if (this.#stopped) return;
      const accepted = httpStatus !== null && httpStatus >= 200 && httpStatus < 300 && answer === 'success';
      this.#log.push({
        url: delivery.url.href,
        sn: delivery.sn,
        client_sn: delivery.clientSn,
        attempt,
        at,
        http_status: httpStatus,
        answer: answer === null ? null : answer.slice(0, ANSWER_KEPT_CHARS),
        error,
        accepted,
      });
      const delay = this.retryDelaysMs[attempt - 1];
      if (accepted || delay === undefined) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#attempt(delivery, attempt + 1);
      }, delay);
      this.#timers.add(timer);
    });
  }

  #post(delivery: Delivery): Promise<Answer> {
    return new Promise((resolve) => {
      const send = delivery.url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(
        delivery.url,
        {
          method: 'POST',
          agent: false,
          timeout: ATTEMPT_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json;charset=UTF-8',
            'content-length': delivery.body.length,
            authorization: delivery.authorization,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            settle({ httpStatus: response.statusCode ?? null, answer: Buffer.concat(chunks).toString('utf8'), error: null }),
          );
          response.on('error', (error) => settle({ httpStatus: response.statusCode ?? null, answer: null, error: error.message }));
        },
      );
      const settle = (answer: Answer): void => {
        this.#inFlight.delete(request);
        resolve(answer);
      };
      request.on('timeout', () => request.destroy(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS} ms`)));
      request.on('error', (error) => settle({ httpStatus: null, answer: null, error: error.message }));
      this.#inFlight.add(request);
      request.end(delivery.body);
    });
  }
}
