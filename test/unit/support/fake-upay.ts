// A scripted provider: each method answers from its own queue of outcomes (or functions that
// make one from the call), then from an optional standing answer. Every call is recorded.
// A call nobody scripted is recorded in `unscripted` and throws; since the flows turn a throw
// into "not sent", tests must also check `unscripted` is empty (see `expectOnlyScriptedCalls`).
import { expect } from 'vitest';
import type { CallOptions, Credentials, UpayClient } from '../../../lib/upay/index.js';

export type UpayPort = Pick<UpayClient, 'pay' | 'precreate' | 'query' | 'refund' | 'revoke' | 'cancel' | 'activate' | 'checkin'>;
export type UpayMethod = keyof UpayPort;
export type OutcomeOf<M extends UpayMethod> = Awaited<ReturnType<UpayPort[M]>>;
export type RequestOf<M extends UpayMethod> = Parameters<UpayPort[M]>[1];

export interface UpayCall<M extends UpayMethod = UpayMethod> {
  method: M;
  credentials: Credentials;
  request: RequestOf<M>;
  options: CallOptions | undefined;
}

export type Reply<M extends UpayMethod> = OutcomeOf<M> | ((call: UpayCall<M>) => OutcomeOf<M> | Promise<OutcomeOf<M>>);

export class ScriptedUpay implements UpayPort {
  readonly calls: UpayCall[] = [];
  readonly unscripted: string[] = [];
  private readonly queues = new Map<UpayMethod, unknown[]>();
  private readonly standing = new Map<UpayMethod, unknown>();

  /** Queues replies for the next calls of `method`, in order. */
  script<M extends UpayMethod>(method: M, ...replies: Reply<M>[]): this {
    this.queues.set(method, [...(this.queues.get(method) ?? []), ...replies]);
    return this;
  }

  /** The reply for every call of `method` once its queue is empty. */
  always<M extends UpayMethod>(method: M, reply: Reply<M>): this {
    this.standing.set(method, reply);
    return this;
  }

  callsOf<M extends UpayMethod>(method: M): UpayCall<M>[] {
    return this.calls.filter((call): call is UpayCall<M> => call.method === method);
  }

  /** The methods called, in order. */
  methods(): UpayMethod[] {
    return this.calls.map((call) => call.method);
  }

  /** Scripted replies not yet used. */
  leftover(method: UpayMethod): number {
    return this.queues.get(method)?.length ?? 0;
  }

  pay: UpayPort['pay'] = (credentials, request, options) => this.answer('pay', credentials, request, options);
  precreate: UpayPort['precreate'] = (credentials, request, options) => this.answer('precreate', credentials, request, options);
  query: UpayPort['query'] = (credentials, request, options) => this.answer('query', credentials, request, options);
  refund: UpayPort['refund'] = (credentials, request, options) => this.answer('refund', credentials, request, options);
  revoke: UpayPort['revoke'] = (credentials, request, options) => this.answer('revoke', credentials, request, options);
  cancel: UpayPort['cancel'] = (credentials, request, options) => this.answer('cancel', credentials, request, options);
  activate: UpayPort['activate'] = (credentials, request, options) => this.answer('activate', credentials, request, options);
  checkin: UpayPort['checkin'] = (credentials, request, options) => this.answer('checkin', credentials, request, options);

  private async answer<M extends UpayMethod>(method: M, credentials: Credentials, request: RequestOf<M>, options: CallOptions | undefined): Promise<OutcomeOf<M>> {
    const call: UpayCall<M> = { method, credentials: { ...credentials }, request: structuredClone(request), options };
    this.calls.push(call as UpayCall);
    const queue = this.queues.get(method) ?? [];
    const reply = (queue.length > 0 ? queue.shift() : this.standing.get(method)) as Reply<M> | undefined;
    if (reply === undefined) {
      this.unscripted.push(method);
      throw new Error(`unscripted upay.${method} call`);
    }
    return typeof reply === 'function' ? reply(call) : structuredClone(reply);
  }
}

/** Fails the test if any provider call had no scripted answer. */
export function expectOnlyScriptedCalls(upay: ScriptedUpay): void {
  expect(upay.unscripted, 'provider calls without a scripted answer').toEqual([]);
}
