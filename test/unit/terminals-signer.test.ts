// Signing provider calls with the cached current key: an ILLEGAL_SIGN may mean another
// instance rotated the key, so the cache is dropped and the call repeated once; a second
// refusal marks the terminal. Nothing else is ever repeated.
import { describe, expect, it } from 'vitest';
import { terminalSigner } from '../../lib/terminals/signer.js';
import type { Credentials, QueryOutcome } from '../../lib/upay/index.js';
import { FakeKeyStore } from './support/fake-terminals.js';
import { RecordingTelemetry } from './support/fakes.js';
import { FAILURE_KINDS, found, notFound, rejected, transport, upayOrder } from './support/payments.js';
import { keyOf } from './support/terminals.js';

const SN = '100000000000000001';

function setup() {
  const keys = new FakeKeyStore().seed(keyOf(SN, 0));
  const telemetry = new RecordingTelemetry();
  const marked: string[] = [];
  const signer = terminalSigner({ keys, telemetry, onKeyRefused: async (terminalSn) => void marked.push(terminalSn) });
  const sent: Credentials[] = [];
  /** A provider call answering the given outcomes in turn. */
  const send =
    (...outcomes: QueryOutcome[]) =>
    async (credentials: Credentials): Promise<QueryOutcome> => {
      sent.push(credentials);
      const next = outcomes.shift();
      if (!next) throw new Error('called more often than scripted');
      return next;
    };
  return { keys, telemetry, marked, signer, sent, send };
}

describe('the terminal signer', () => {
  it('signs with the terminal’s current key and returns the reply, calling once', async () => {
    const { signer, sent, send, keys, marked } = setup();
    const reply = found(upayOrder());
    expect(await signer.call(SN, send(reply))).toEqual(reply);
    expect(sent).toEqual([{ sn: SN, key: keyOf(SN, 0).terminal_key }]);
    expect(keys.countOf('forget')).toBe(0);
    expect(marked).toEqual([]);
  });

  it('after ILLEGAL_SIGN drops the cached key, re-reads it and repeats the call once with the fresh key', async () => {
    const { signer, sent, send, keys, marked } = setup();
    await keys.current(SN); // cached K0
    keys.rotateElsewhere(keyOf(SN, 1)); // another instance checked in
    const reply = notFound();
    expect(await signer.call(SN, send(transport('illegal_sign'), reply))).toEqual(reply);
    expect(sent.map((credentials) => credentials.key)).toEqual([keyOf(SN, 0).terminal_key, keyOf(SN, 1).terminal_key]);
    expect(keys.countOf('forget')).toBe(1);
    expect(marked).toEqual([]);
  });

  it('marks the terminal and counts it when even the freshly read key is refused, returning the refusal', async () => {
    const { signer, sent, send, marked, telemetry } = setup();
    const outcome = await signer.call(SN, send(transport('illegal_sign'), transport('illegal_sign')));
    expect(outcome).toEqual(transport('illegal_sign'));
    expect(sent).toHaveLength(2);
    expect(marked).toEqual([SN]);
    expect(telemetry.total('TerminalKeyRefused')).toBe(1);
    expect(telemetry.messages('error')).toEqual(['terminal key refused by the provider after a fresh read']);
  });

  it.each(FAILURE_KINDS.filter((kind) => kind !== 'illegal_sign'))('does not repeat a call that failed with %s', async (kind) => {
    const { signer, sent, send, keys, marked } = setup();
    expect(await signer.call(SN, send(transport(kind)))).toEqual(transport(kind));
    expect(sent).toHaveLength(1);
    expect(keys.countOf('forget')).toBe(0);
    expect(marked).toEqual([]);
  });

  it('does not repeat a business refusal, even one named like a signing problem', async () => {
    const { signer, sent, send } = setup();
    await signer.call(SN, send(rejected('ILLEGAL_SIGN')));
    expect(sent).toHaveLength(1);
  });

  it('lets a missing key fail before anything is sent', async () => {
    const { signer, sent, send } = setup();
    await expect(signer.call('100000000000000099', send(notFound()))).rejects.toThrow('no key');
    expect(sent).toEqual([]);
  });
});
