import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import type { PutSecretValueCommandInput } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  KeyExistsError,
  KeyNotFoundError,
  KeyStoreError,
  KeyStoreUnavailableError,
  SecretsManagerKeyStore,
  createSecretsManagerClient,
} from '../../lib/keys/index.js';
import type { TerminalKey } from '../../lib/keys/index.js';
import { VENDOR, expectNoSecrets, keyStoreContract, terminalKey } from './keys-contract.js';
import { FakeSecretsManager } from './keys-secrets-manager-fake.js';

const PREFIX = 'upay-prod';
const VENDOR_SECRET = 'upay-prod/vendor';
const TTL = 60_000;
const A = terminalKey('100', 'a');
const B = terminalKey('100', 'b');
const C = terminalKey('100', 'c');

function json(key: TerminalKey): string {
  return JSON.stringify({ terminal_sn: key.terminal_sn, terminal_key: key.terminal_key, device_id: key.device_id });
}

function serviceError(name: string, httpStatusCode: number, message = 'Rate exceeded'): SecretsManagerServiceException {
  return new SecretsManagerServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', message, $metadata: { httpStatusCode } });
}

function named(name: string, message = 'request failed'): Error {
  return Object.assign(new Error(message), { name });
}

describe('SecretsManagerKeyStore', () => {
  describe('honours the key store contract', () => {
    keyStoreContract(async ({ now, cacheTtlMs }) => {
      const fake = new FakeSecretsManager(now);
      return {
        open: () => new SecretsManagerKeyStore({ client: fake.client, prefix: PREFIX, vendorSecretId: VENDOR_SECRET, cacheTtlMs, now }),
        putVendor: async (credentials) => fake.store(VENDOR_SECRET, JSON.stringify(credentials)),
      };
    });
  });

  describe('against the service', () => {
    let time: number;
    let fake: FakeSecretsManager;
    let store: SecretsManagerKeyStore;

    beforeEach(() => {
      time = Date.UTC(2025, 0, 1);
      fake = new FakeSecretsManager(() => time);
      store = new SecretsManagerKeyStore({
        client: fake.client,
        prefix: PREFIX,
        vendorSecretId: VENDOR_SECRET,
        cacheTtlMs: TTL,
        now: () => time,
      });
    });

    function seed(key: TerminalKey): void {
      fake.store(`${PREFIX}/terminals/${key.terminal_sn}`, json(key));
    }

    function putInputs(): PutSecretValueCommandInput[] {
      return fake.mock.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input);
    }

    describe('reading', () => {
      it('reads the current key from <prefix>/terminals/<terminal_sn> at AWSCURRENT', async () => {
        seed(A);
        expect(await store.current('100')).toEqual(A);
        expect(fake.mock).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
          SecretId: 'upay-prod/terminals/100',
          VersionStage: 'AWSCURRENT',
        });
      });

      it('sends no command for a second read within the TTL', async () => {
        seed(A);
        await store.current('100');
        time += TTL - 1;
        await store.current('100');
        expect(fake.mock).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
      });

      it('reads again once the TTL has passed', async () => {
        seed(A);
        await store.current('100');
        time += TTL;
        await store.current('100');
        expect(fake.mock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
      });

      it('reads again after forget', async () => {
        seed(A);
        await store.current('100');
        store.forget('100');
        await store.current('100');
        expect(fake.mock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
      });

      it('shares one read between concurrent requests for a terminal not yet cached', async () => {
        seed(A);
        const keys = await Promise.all([store.current('100'), store.current('100'), store.current('100')]);
        expect(keys).toEqual([A, A, A]);
        expect(fake.mock).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
      });

      it('does not cache a failed read', async () => {
        seed(A);
        fake.failNext('GetSecretValue', serviceError('ThrottlingException', 400));
        await expect(store.current('100')).rejects.toBeInstanceOf(KeyStoreUnavailableError);
        expect(await store.current('100')).toEqual(A);
        expect(fake.mock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
      });

      it('reads the previous key at AWSPREVIOUS on every call', async () => {
        seed(A);
        seed(B);
        expect(await store.previous('100')).toEqual(A);
        expect(await store.previous('100')).toEqual(A);
        expect(fake.mock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
        expect(fake.mock).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'upay-prod/terminals/100', VersionStage: 'AWSPREVIOUS' });
      });

      it('reads the vendor credentials from the configured secret once per TTL', async () => {
        fake.store(VENDOR_SECRET, JSON.stringify(VENDOR));
        expect(await store.vendor()).toEqual(VENDOR);
        expect(await store.vendor()).toEqual(VENDOR);
        expect(fake.mock).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, { SecretId: VENDOR_SECRET, VersionStage: 'AWSCURRENT' });
      });

      it('reads the key age from version metadata without reading the secret value', async () => {
        seed(A);
        expect(await store.currentSince('100')).toEqual(new Date(time));
        expect(fake.mock).toHaveReceivedCommandWith(ListSecretVersionIdsCommand, { SecretId: 'upay-prod/terminals/100' });
        expect(fake.mock).not.toHaveReceivedCommand(GetSecretValueCommand);
      });

      it('refuses a stored key that belongs to another terminal', async () => {
        fake.store(`${PREFIX}/terminals/100`, json(terminalKey('200', 'a')));
        const error = await store.current('100').catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(KeyStoreError);
        expectNoSecrets(error, [terminalKey('200', 'a').terminal_key]);
      });

      it('reports a secret value that is not valid JSON without quoting it', async () => {
        fake.store(`${PREFIX}/terminals/100`, A.terminal_key);
        const error = await store.current('100').catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(KeyStoreError);
        expectNoSecrets(error, [A.terminal_key]);
      });
    });

    describe('rotating', () => {
      it('sends PutSecretValue with the canonical value, a request token and no VersionStages', async () => {
        seed(A);
        await store.rotate({ ...B, extra: 'dropped' } as TerminalKey);
        expect(fake.mock).toHaveReceivedCommandExactlyOnceWith(PutSecretValueCommand, {
          SecretId: 'upay-prod/terminals/100',
          SecretString: json(B),
          ClientRequestToken: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown as string,
        });
        expect(putInputs()[0]).not.toHaveProperty('VersionStages');
      });

      it('derives the request token from the key: same key, same token; another key, another token', async () => {
        seed(A);
        await store.rotate(B);
        await store.rotate(B);
        await store.rotate(C);
        const [first, retry, next] = putInputs().map((input) => input.ClientRequestToken);
        expect(retry).toBe(first);
        expect(next).not.toBe(first);
        expect(String(first)).not.toContain(B.terminal_key);
      });

      it('signs with the rotated key without reading it back', async () => {
        seed(A);
        await store.current('100');
        await store.rotate(B);
        expect(await store.current('100')).toEqual(B);
        expect(fake.mock).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
      });

      it('makes one version when a rotation whose reply was lost is retried, so the old key stays previous', async () => {
        seed(A);
        fake.failNext('PutSecretValue', named('TimeoutError'), 'after');
        await expect(store.rotate(B)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
        await store.rotate(B);
        expect(fake.versionsOf('upay-prod/terminals/100')).toEqual([
          { value: json(A), stages: ['AWSPREVIOUS'] },
          { value: json(B), stages: ['AWSCURRENT'] },
        ]);
      });

      it('keeps signing with the old key when a rotation could not be stored', async () => {
        seed(A);
        await store.current('100');
        fake.failNext('PutSecretValue', serviceError('ThrottlingException', 400));
        await expect(store.rotate(B)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
        expect(await store.current('100')).toEqual(A);
      });

      it('treats rotating to the key the terminal was created with as already done', async () => {
        await store.create(A);
        await store.rotate(A);
        expect(fake.versionsOf('upay-prod/terminals/100')).toEqual([{ value: json(A), stages: ['AWSCURRENT'] }]);
      });

      it('trusts a write whose reply carries no labels rather than reporting a stored key as lost', async () => {
        seed(A);
        fake.mock.on(PutSecretValueCommand).resolvesOnce({});
        await store.rotate(B);
        expect(await store.current('100')).toEqual(B);
      });
    });

    describe('creating', () => {
      it('sends CreateSecret named <prefix>/terminals/<terminal_sn> with the canonical value and a request token', async () => {
        await store.create(A);
        expect(fake.mock).toHaveReceivedCommandExactlyOnceWith(CreateSecretCommand, {
          Name: 'upay-prod/terminals/100',
          SecretString: json(A),
          ClientRequestToken: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown as string,
        });
      });

      it('succeeds when a create whose reply was lost is retried with the same key', async () => {
        fake.failNext('CreateSecret', named('TimeoutError'), 'after');
        await expect(store.create(A)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
        await store.create(A);
        expect(fake.mock).toHaveReceivedCommandTimes(CreateSecretCommand, 2);
        expect(fake.versionsOf('upay-prod/terminals/100')).toEqual([{ value: json(A), stages: ['AWSCURRENT'] }]);
      });

      it('fails with KeyExistsError when a create whose reply was lost is retried with another key', async () => {
        fake.failNext('CreateSecret', named('TimeoutError'), 'after');
        await expect(store.create(A)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
        await expect(store.create(B)).rejects.toBeInstanceOf(KeyExistsError);
        expect(await store.current('100')).toEqual(A);
      });

      it('reports an unreadable existing secret as unavailable rather than as taken', async () => {
        seed(A);
        fake.failNext('GetSecretValue', serviceError('ThrottlingException', 400));
        await expect(store.create(A)).rejects.toBeInstanceOf(KeyStoreUnavailableError);
      });
    });

    describe('failures', () => {
      it.each([
        ['throttling', serviceError('ThrottlingException', 400)],
        ['a request timeout', named('TimeoutError')],
        ['the call deadline', named('AbortError', 'Request aborted')],
        ['an internal service error', serviceError('InternalServiceError', 500, 'internal error')],
        ['an unmodelled 503', serviceError('ServiceUnavailable', 503, 'unavailable')],
        ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
      ])('reports %s as KeyStoreUnavailableError', async (_what, error) => {
        seed(A);
        fake.failNext('GetSecretValue', error);
        await expect(store.current('100')).rejects.toBeInstanceOf(KeyStoreUnavailableError);
      });

      it('reports a missing vendor secret as KeyNotFoundError', async () => {
        await expect(store.vendor()).rejects.toBeInstanceOf(KeyNotFoundError);
      });

      it('keeps only the name of an unexpected SDK error, never its message or response body', async () => {
        seed(A);
        const leaky = Object.assign(serviceError('DecryptionFailure', 400, `cannot decrypt ${A.terminal_key}`), {
          $response: { body: json(A) },
          $responseBodyText: json(A),
        });
        fake.failNext('GetSecretValue', leaky);
        const error = await store.current('100').catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(KeyStoreError);
        expect(error).not.toBeInstanceOf(KeyStoreUnavailableError);
        expect(error).toMatchObject({ code: 'DecryptionFailure' });
        expectNoSecrets(error, [A.terminal_key]);
      });

      it('keeps key material out of errors raised by writes', async () => {
        seed(A);
        fake.failNext('PutSecretValue', serviceError('InvalidParameterException', 400, `bad value ${B.terminal_key}`));
        const error = await store.rotate(B).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(KeyStoreError);
        expectNoSecrets(error, [A.terminal_key, B.terminal_key]);
      });
    });

    it('bounds every call with an abort signal, whatever the client is configured with', async () => {
      seed(A);
      await store.create(terminalKey('200', 'a'));
      await store.current('100');
      await store.rotate(B);
      await store.currentSince('100');
      const options = fake.mock.send.getCalls().map((call) => (call.args as unknown[])[1]);
      expect(options).toHaveLength(4);
      for (const option of options) expect(option).toEqual({ abortSignal: expect.any(AbortSignal) });
    });
  });
});

describe('createSecretsManagerClient', () => {
  it('builds a client with few standard retries', async () => {
    const client = createSecretsManagerClient({ region: 'eu-west-1' });
    expect(await client.config.maxAttempts()).toBe(3);
    expect(client.config.retryMode).toBe('standard');
  });

  it('lets the caller override its defaults', async () => {
    const client = createSecretsManagerClient({ region: 'eu-west-1', maxAttempts: 2 });
    expect(await client.config.maxAttempts()).toBe(2);
    expect(await client.config.region()).toBe('eu-west-1');
  });
});
