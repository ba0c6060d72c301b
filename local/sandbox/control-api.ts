import type { SandboxClock } from './clock.js';
import { FAULT_KINDS } from './faults.js';
import type { FaultKind, FaultPlan, FaultSpec } from './faults.js';
import type { Notifier } from './notifier.js';
import { bookEntry } from './order-views.js';
import type { OrderBook } from './orders.js';
import { scanQr } from './payments.js';
import { isJsonObject } from './request-fields.js';
import type { JsonObject } from './request-fields.js';
import type { RequestStats } from './stats.js';
import { ACTIVATION_CODE_LIFETIME_MS } from './terminals.js';
import type { TerminalRegistry } from './terminals.js';

export interface ControlDependencies {
  clock: SandboxClock;
  terminals: TerminalRegistry;
  orders: OrderBook;
  faults: FaultPlan;
  notifier: Notifier;
  stats: RequestStats;
  /** Where codes issued without a store_id belong. */
  storeId: string;
}

export interface ControlAnswer {
  status: number;
  body: unknown;
}

class ControlRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Handler = (body: JsonObject, tail: string) => unknown;

const TERMINALS_PREFIX = '/_sandbox/terminals/';

// The unsigned `/_sandbox/*` API (README "Control API"): faults, clock, codes, the customer's
// side of a QR payment, and read-only views of the sandbox's books.
export class ControlApi {
  readonly #routes: ReadonlyMap<string, Handler>;

  constructor(private readonly deps: ControlDependencies) {
    const { clock, orders, faults, notifier, stats } = deps;
    this.#routes = new Map<string, Handler>([
      ['POST /_sandbox/faults', (body) => ({ id: faults.add(readFault(body)) })],
      [
        'DELETE /_sandbox/faults',
        () => {
          faults.clear();
          return {};
        },
      ],
      ['GET /_sandbox/clock', () => ({ now_ms: clock.now() })],
      ['POST /_sandbox/clock', (body) => this.#moveClock(body)],
      ['POST /_sandbox/activation-codes', (body) => this.#issueCode(body)],
      ['POST /_sandbox/qr/pay', (body) => this.#payQr(body)],
      ['GET /_sandbox/orders', () => ({ orders: orders.all().map(bookEntry) })],
      ['GET /_sandbox/terminals/', (_, sn) => this.#terminal(sn)],
      ['GET /_sandbox/stats', () => stats.snapshot()],
      ['GET /_sandbox/notifications', () => ({ notifications: notifier.attempts() })],
    ]);
  }

  answer(method: string, path: string, rawBody: Buffer): ControlAnswer {
    const [routePath, tail] = path.startsWith(TERMINALS_PREFIX) ? [TERMINALS_PREFIX, path.slice(TERMINALS_PREFIX.length)] : [path, ''];
    const handler = this.#routes.get(`${method} ${routePath}`);
    if (handler === undefined) {
      const known = [...this.#routes.keys()].some((key) => key.endsWith(` ${routePath}`));
      return known ? { status: 405, body: { error: `${method} is not allowed here` } } : { status: 404, body: { error: 'no such control route' } };
    }
    try {
      return { status: 200, body: handler(readBody(rawBody), tail) };
    } catch (error) {
      if (error instanceof ControlRefusal) return { status: error.status, body: { error: error.message } };
      throw error;
    }
  }

  #moveClock(body: JsonObject): unknown {
    const { clock } = this.deps;
    if (body.now_ms !== undefined) clock.set(integer(body, 'now_ms', 0));
    else if (body.advance_ms !== undefined) clock.advance(integer(body, 'advance_ms'));
    else throw new ControlRefusal(400, 'give now_ms or advance_ms');
    return { now_ms: clock.now() };
  }

  #issueCode(body: JsonObject): unknown {
    const uses = integer(body, 'uses', 1);
    const storeId = body.store_id === undefined ? this.deps.storeId : text(body, 'store_id');
    const lifetimeMs = body.expires_in_ms === undefined ? ACTIVATION_CODE_LIFETIME_MS : integer(body, 'expires_in_ms', 0);
    const code = this.deps.terminals.issueCode(uses, storeId, lifetimeMs);
    return { code, uses, store_id: storeId, expires_at: this.deps.clock.now() + lifetimeMs };
  }

  #payQr(body: JsonObject): unknown {
    const reference = { sn: optionalText(body, 'sn'), clientSn: optionalText(body, 'client_sn') };
    if (reference.sn === undefined && reference.clientSn === undefined) throw new ControlRefusal(400, 'give sn or client_sn');
    const outcome = scanQr(this.deps.orders, reference);
    if ('refusal' in outcome) {
      if (outcome.order === undefined) throw new ControlRefusal(404, 'no such order');
      throw new ControlRefusal(409, `the order is not a QR waiting to be paid (order_status ${outcome.order.orderStatus})`);
    }
    return { order: bookEntry(outcome.order) };
  }

  #terminal(sn: string): unknown {
    const terminal = this.deps.terminals.find(sn);
    if (terminal === undefined) throw new ControlRefusal(404, 'no such terminal');
    // Never a key: the control API is unsigned.
    return {
      terminal_sn: terminal.sn,
      store_id: terminal.storeId,
      device_id: terminal.deviceId,
      name: terminal.name ?? null,
      checkins: terminal.checkins,
      activated_at: terminal.activatedAt,
      last_checkin_at: terminal.lastCheckinAt ?? null,
    };
  }
}

function readBody(raw: Buffer): JsonObject {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ControlRefusal(400, 'the body is not JSON');
  }
  if (!isJsonObject(parsed)) throw new ControlRefusal(400, 'the body must be a JSON object');
  return parsed;
}

function readFault(body: JsonObject): FaultSpec {
  const kind = body.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new ControlRefusal(400, `kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const faultKind = kind as FaultKind;
  if (faultKind === 'delay' && body.delay_ms === undefined) throw new ControlRefusal(400, 'delay needs delay_ms');
  return {
    kind: faultKind,
    terminalSn: optionalText(body, 'terminal_sn'),
    path: optionalText(body, 'path'),
    count: body.count === undefined ? undefined : integer(body, 'count', 1),
    delayMs: faultKind === 'delay' ? integer(body, 'delay_ms', 0) : 0,
  };
}

function integer(body: JsonObject, field: string, min?: number): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (min !== undefined && value < min)) {
    throw new ControlRefusal(400, `${field} must be an integer${min === undefined ? '' : ` ≥ ${min}`}`);
  }
  return value;
}

function text(body: JsonObject, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new ControlRefusal(400, `${field} must be a non-empty string`);
  return value;
}

function optionalText(body: JsonObject, field: string): string | undefined {
  return body[field] === undefined ? undefined : text(body, field);
}
