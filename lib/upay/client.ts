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
import type { WireBody } from './requests.js';
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
    const signer = terminal(terminalPair);
    const call = payCall(signer.sn, req);
    return payOutcome(await this.#json('/upay/v2/pay', signer, call.body, o), call.expect);
  }

  async precreate(terminalPair: Credentials, req: PrecreateRequest, o?: CallOptions): Promise<PrecreateOutcome> {
    const signer = terminal(terminalPair);
    const call = precreateCall(signer.sn, req);
    return precreateOutcome(await this.#json('/upay/v2/precreate', signer, call.body, o), call.expect, call.payload);
  }

  async query(terminalPair: Credentials, req: OrderRef, o?: CallOptions): Promise<QueryOutcome> {
    const signer = terminal(terminalPair);
    const call = orderRefCall(signer.sn, req);
    return queryOutcome(await this.#json('/upay/v2/query', signer, call.body, o), call.expect);
  }

  async refund(terminalPair: Credentials, req: RefundRequest, o?: CallOptions): Promise<RefundOutcome> {
    const signer = terminal(terminalPair);
    const call = refundCall(signer.sn, req);
    return refundOutcome(await this.#json('/upay/v2/refund', signer, call.body, o), call.expect);
  }

  async revoke(terminalPair: Credentials, req: OrderRef, o?: CallOptions): Promise<CancelOutcome> {
    const signer = terminal(terminalPair);
    const call = orderRefCall(signer.sn, req);
    return cancelOutcome(await this.#json('/upay/v2/revoke', signer, call.body, o), call.expect);
  }

  async cancel(terminalPair: Credentials, req: OrderRef, o?: CallOptions): Promise<CancelOutcome> {
    const signer = terminal(terminalPair);
    const call = orderRefCall(signer.sn, req);
    return cancelOutcome(await this.#json('/upay/v2/cancel', signer, call.body, o), call.expect);
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
