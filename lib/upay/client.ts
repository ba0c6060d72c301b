import { readEnvelope } from './envelope.js';
import {
  activateOutcome,
  cancelOutcome,
  checkinOutcome,
  payOutcome,
  precreateOutcome,
  queryOutcome,
  refundOutcome,
  uploadLogOutcome,
} from './outcomes.js';
import type { Exchange } from './outcomes.js';
import { activateBody, checkinBody, orderRefCall, payCall, precreateCall, refundCall } from './requests.js';
import type { OrderCall, WireBody } from './requests.js';
import { UpayRequestError } from './errors.js';
import { post } from './transport.js';
import { credentials } from './validation.js';
import type {
  ActivateOutcome,
  ActivateRequest,
  CallOptions,
  CancelOutcome,
  CheckinOutcome,
  CheckinRequest,
  Credentials,
  OrderRef,
  PayOutcome,
  PayRequest,
  PrecreateOutcome,
  PrecreateRequest,
  QueryOutcome,
  RefundOutcome,
  RefundRequest,
  UpayClientOptions,
  UploadLogOutcome,
} from './types.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const GZIP_MAGIC = [0x1f, 0x8b];

function validTimeout(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new UpayRequestError(field, 'must be a positive whole number of milliseconds');
  }
  return value;
}

function terminal(pair: Credentials): Credentials {
  return credentials(pair, 'terminal_sn', 'terminal_key');
}

/**
 * The Upay Web API, one method per endpoint. Every request is checked before anything is sent
 * (`UpayRequestError`); every reply, or the lack of one, becomes an outcome. Nothing is retried
 * and nothing is logged.
 */
export class UpayClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: UpayClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UpayRequestError('baseUrl', 'must be an http or https URL');
    }
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = validTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async activate(vendor: Credentials, req: ActivateRequest, o?: CallOptions): Promise<ActivateOutcome> {
    const signer = credentials(vendor, 'vendor_sn', 'vendor_key');
    const body = activateBody(req);
    return activateOutcome(await this.#json('/terminal/activate', signer, body, o));
  }

  async checkin(terminalPair: Credentials, req: CheckinRequest, o?: CallOptions): Promise<CheckinOutcome> {
    const signer = terminal(terminalPair);
    const body = checkinBody(signer.sn, req);
    return checkinOutcome(await this.#json('/terminal/checkin', signer, body, o), signer.sn);
  }

  async pay(terminalPair: Credentials, req: PayRequest, o?: CallOptions): Promise<PayOutcome> {
    const { call, reply } = await this.#orderCall('/upay/v2/pay', terminalPair, payCall, req, o);
    return payOutcome(reply, call.expect);
  }

  async precreate(terminalPair: Credentials, req: PrecreateRequest, o?: CallOptions): Promise<PrecreateOutcome> {
    const { call, reply } = await this.#orderCall('/upay/v2/precreate', terminalPair, precreateCall, req, o);
    return precreateOutcome(reply, call.expect, call.payload);
  }

  async query(terminalPair: Credentials, req: OrderRef, o?: CallOptions): Promise<QueryOutcome> {
    const { call, reply } = await this.#orderCall('/upay/v2/query', terminalPair, orderRefCall, req, o);
    return queryOutcome(reply, call.expect);
  }

  async refund(terminalPair: Credentials, req: RefundRequest, o?: CallOptions): Promise<RefundOutcome> {
    const { call, reply } = await this.#orderCall('/upay/v2/refund', terminalPair, refundCall, req, o);
    return refundOutcome(reply, call.expect);
  }

  async revoke(terminalPair: Credentials, req: OrderRef, o?: CallOptions): Promise<CancelOutcome> {
    const { call, reply } = await this.#orderCall('/upay/v2/revoke', terminalPair, orderRefCall, req, o);
    return cancelOutcome(reply, call.expect);
  }

  async cancel(terminalPair: Credentials, req: OrderRef, o?: CallOptions): Promise<CancelOutcome> {
    const { call, reply } = await this.#orderCall('/upay/v2/cancel', terminalPair, orderRefCall, req, o);
    return cancelOutcome(reply, call.expect);
  }

  async uploadLog(terminalPair: Credentials, gzippedLog: Uint8Array, o?: CallOptions): Promise<UploadLogOutcome> {
    const signer = terminal(terminalPair);
    if (!(gzippedLog instanceof Uint8Array) || gzippedLog.length < GZIP_MAGIC.length) {
      throw new UpayRequestError('log', 'must be gzip bytes');
    }
    if (gzippedLog[0] !== GZIP_MAGIC[0] || gzippedLog[1] !== GZIP_MAGIC[1]) {
      throw new UpayRequestError('log', 'must be a gzip stream');
    }
    return uploadLogOutcome(await this.#exchange('/terminal/uploadLog', signer, gzippedLog, o));
  }

  /**
   * A transaction call signed by the terminal: its pair checked, then the request checked and
   * built for its terminal_sn, then sent. The call comes back with the reply, for what the
   * reply must match.
   */
  async #orderCall<C extends OrderCall>(
    path: string,
    terminalPair: Credentials,
    build: (terminalSn: string, request: unknown) => C,
    req: unknown,
    o?: CallOptions,
  ): Promise<{ call: C; reply: Exchange }> {
    const signer = terminal(terminalPair);
    const call = build(signer.sn, req);
    return { call, reply: await this.#json(path, signer, call.body, o) };
  }

  /** Serialised once: these bytes are both signed and sent. */
  #json(path: string, signer: Credentials, body: WireBody, o?: CallOptions): Promise<Exchange> {
    return this.#exchange(path, signer, new TextEncoder().encode(JSON.stringify(body)), o);
  }

  async #exchange(path: string, signer: Credentials, body: Uint8Array, o?: CallOptions): Promise<Exchange> {
    const timeoutMs = o?.timeoutMs === undefined ? this.#timeoutMs : validTimeout(o.timeoutMs, 'timeoutMs');
    const reply = await post({ url: this.#baseUrl + path, credentials: signer, body, timeoutMs, fetch: this.#fetch });
    if (!reply.ok) return reply;
    const read = readEnvelope(reply.text);
    return read.ok ? read : { ok: false, failure: { kind: 'bad_reply', reason: read.reason } };
  }
}
