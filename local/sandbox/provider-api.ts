import { gunzipSync } from 'node:zlib';
import { orderData } from './order-views.js';
import type { ActionResult, OrderBook } from './orders.js';
import { pay, precreate, query } from './payments.js';
import { refund } from './refunds.js';
import { isJsonObject } from './request-fields.js';
import type { JsonObject } from './request-fields.js';
import { readActivate, readCheckin, readOrderReference, readPay, readPrecreate, readRefund } from './requests.js';
import { cancel, revoke } from './reversals.js';
import { parseAuthorization, signatureMatches } from './signature.js';
import type { Terminal, TerminalOutcome, TerminalRegistry, VendorCredentials } from './terminals.js';
import { RequestRejected, accepted, requestError } from './wire.js';
import type { WireObject } from './wire.js';

interface VendorRoute {
  signer: 'vendor';
  act(body: JsonObject): WireObject;
}

interface TerminalRoute {
  signer: 'terminal';
  payload: 'json' | 'gzip';
  act(terminal: Terminal, body: JsonObject): WireObject;
}

type Route = VendorRoute | TerminalRoute;

export interface ProviderCall {
  authorization: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}

export interface ProviderDependencies {
  vendor: VendorCredentials;
  terminals: TerminalRegistry;
  orders: OrderBook;
}

const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

// The provider's endpoints (protocol §3–§4): authenticate, read, act, answer an envelope.
export class ProviderApi {
  readonly #routes: ReadonlyMap<string, Route>;

  constructor(private readonly deps: ProviderDependencies) {
    const { terminals, orders } = deps;
    this.#routes = new Map<string, Route>([
      ['/terminal/activate', { signer: 'vendor', act: (body) => this.#activate(body) }],
      [
        '/terminal/checkin',
        {
          signer: 'terminal',
          payload: 'json',
          act: (terminal, body) => {
            const request = readCheckin(body);
            sameTerminal(terminal, request.terminalSn);
            return terminalReply(terminals.checkIn(terminal, request));
          },
        },
      ],
      // The provider only acknowledges log uploads; the sandbox checks that it got a gzip stream.
      ['/terminal/uploadLog', { signer: 'terminal', payload: 'gzip', act: () => ({ result_code: '200' }) }],
      ['/upay/v2/pay', terminalAction(readPay, (terminal, request) => pay(orders, terminal, request))],
      ['/upay/v2/precreate', terminalAction(readPrecreate, (terminal, request) => precreate(orders, terminal, request))],
      ['/upay/v2/query', terminalAction(readOrderReference, (_, request) => query(orders, request))],
      ['/upay/v2/refund', terminalAction(readRefund, (_, request) => refund(orders, request))],
      ['/upay/v2/revoke', terminalAction(readOrderReference, (_, request) => revoke(orders, request))],
      ['/upay/v2/cancel', terminalAction(readOrderReference, (_, request) => cancel(orders, request))],
    ]);
  }

  handles(path: string): boolean {
    return this.#routes.has(path);
  }

  answer(path: string, call: ProviderCall): WireObject {
    const route = this.#routes.get(path);
    if (route === undefined) throw new Error(`not a provider path: ${path}`);
    try {
      if (route.signer === 'vendor') {
        this.#authenticateVendor(call);
        return route.act(readJson(call));
      }
      const terminal = this.#authenticateTerminal(call);
      if (route.payload === 'gzip') {
        readGzip(call.body);
        return route.act(terminal, {});
      }
      return route.act(terminal, readJson(call));
    } catch (error) {
      if (error instanceof RequestRejected) return requestError(error.code, error.message);
      throw error;
    }
  }

  #authenticateVendor(call: ProviderCall): void {
    const authorization = parseAuthorization(call.authorization);
    const { vendor_sn, vendor_key } = this.deps.vendor;
    if (authorization === undefined) throw missingSignature();
    if (authorization.sn !== vendor_sn || !signatureMatches(call.body, vendor_key, authorization.sign)) {
      throw new RequestRejected('ILLEGAL_SIGN', 'activation must be signed with the vendor_sn and vendor_key');
    }
  }

  #authenticateTerminal(call: ProviderCall): Terminal {
    const authorization = parseAuthorization(call.authorization);
    if (authorization === undefined) throw missingSignature();
    const terminal = this.deps.terminals.find(authorization.sn);
    if (terminal === undefined) throw new RequestRejected('INVALID_TERMINAL', `unknown terminal ${authorization.sn}`);
    if (!this.deps.terminals.acceptsSignature(terminal, call.body, authorization.sign)) {
      throw new RequestRejected('ILLEGAL_SIGN', 'the signature matches neither the current nor the previous terminal key');
    }
    return terminal;
  }

  #activate(body: JsonObject): WireObject {
    const request = readActivate(body);
    if (request.appId !== this.deps.vendor.app_id) {
      throw new RequestRejected('INVALID_PARAMS', 'app_id does not belong to this vendor');
    }
    return terminalReply(this.deps.terminals.activate(request));
  }
}

function terminalAction<Request extends { terminalSn: string }>(
  read: (body: JsonObject) => Request,
  perform: (terminal: Terminal, request: Request) => ActionResult,
): TerminalRoute {
  return {
    signer: 'terminal',
    payload: 'json',
    act: (terminal, body) => {
      const request = read(body);
      sameTerminal(terminal, request.terminalSn);
      return bizReply(perform(terminal, request));
    },
  };
}

// The signer and the terminal the request speaks for must be the same.
function sameTerminal(signer: Terminal, terminalSn: string): void {
  if (terminalSn !== signer.sn) {
    throw new RequestRejected('INVALID_PARAMS', 'terminal_sn is not the terminal in the Authorization header');
  }
}

function bizReply(result: ActionResult): WireObject {
  const biz: WireObject = { result_code: result.resultCode };
  if (result.errorCode !== undefined) biz.error_code = result.errorCode;
  if (result.errorMessage !== undefined) biz.error_message = result.errorMessage;
  if (result.order !== undefined) biz.data = orderData(result.order, result.transaction);
  return accepted(biz);
}

// Activation and check-in put the credentials straight into biz_response (protocol §2).
function terminalReply(outcome: TerminalOutcome): WireObject {
  if ('terminal' in outcome) {
    return accepted({ terminal_sn: outcome.terminal.sn, terminal_key: outcome.terminal.currentKey });
  }
  return accepted({ result_code: 'FAIL', error_code: outcome.errorCode, error_message: outcome.errorMessage });
}

function missingSignature(): RequestRejected {
  return new RequestRejected('ILLEGAL_SIGN', 'Authorization must be "<sn> <md5 hex sign>"');
}

function readJson(call: ProviderCall): JsonObject {
  if (call.contentType === undefined || !JSON_CONTENT_TYPE.test(call.contentType)) {
    throw new RequestRejected('INVALID_PARAMS', 'Content-Type must be application/json (UTF-8)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(call.body));
  } catch {
    throw new RequestRejected('INVALID_PARAMS', 'the body is not UTF-8 JSON');
  }
  if (!isJsonObject(parsed)) throw new RequestRejected('INVALID_PARAMS', 'the body must be a JSON object');
  return parsed;
}

function readGzip(body: Buffer): void {
  try {
    gunzipSync(body);
  } catch {
    throw new RequestRejected('INVALID_PARAMS', 'the body must be a gzip stream');
  }
}
