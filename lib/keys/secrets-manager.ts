import { createHash } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { environmentCredentials } from '../aws/credentials.js';
import { DEFAULT_CACHE_TTL_MS, TtlCache } from './cache.js';
import { parseJson, sameKey, storedTerminalKey, terminalKeyJson, toTerminalKey, toVendorCredentials } from './codec.js';
import { KeyExistsError, KeyNotFoundError, KeyStoreError, KeyStoreUnavailableError } from './port.js';
import type { KeyStore, StoredKey, TerminalKey, VendorCredentials } from './port.js';

/**
 * Builds the client this adapter expects: every HTTP attempt bounded (`throwOnRequestTimeout`,
 * because without it a `requestTimeout` only logs a warning) and few retries, so a throttled
 * or slow Secrets Manager costs a pay request seconds, not the API Gateway's 30 s.
 * `overrides` win per top-level setting: a `requestHandler` given replaces these limits whole,
 * so it must bring its own `requestTimeout` and `throwOnRequestTimeout`. Credentials: the
 * environment's (lib/aws/credentials.ts) unless given.
 */
export function createSecretsManagerClient(overrides: SecretsManagerClientConfig = {}): SecretsManagerClient {
  return new SecretsManagerClient({
    maxAttempts: 3,
    retryMode: 'standard',
    credentials: environmentCredentials(),
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
    ...overrides,
  });
}

export interface SecretsManagerKeyStoreOptions {
  /**
   * Configured by the caller; best from `createSecretsManagerClient`. Whatever its settings,
   * each call is also aborted after `callTimeoutMs` in total (all SDK attempts together).
   */
  client: SecretsManagerClient;
  /** Terminal secrets are named `<prefix>/terminals/<terminal_sn>`. */
  prefix: string;
  /** Name or ARN of the secret holding `{"vendor_sn","vendor_key","app_id"}`. */
  vendorSecretId: string;
  /** The customer-managed KMS key new terminal secrets are encrypted with (else aws/secretsmanager). */
  kmsKeyId?: string;
  /** Regions each new terminal secret is replicated to, under the same (multi-Region) key id. */
  replicaRegions?: readonly string[];
  cacheTtlMs?: number;
  callTimeoutMs?: number;
  now?: () => number;
}

/** One slow attempt plus a quick retry with the factory's client; Secrets Manager normally answers in tens of ms. */
const DEFAULT_CALL_TIMEOUT_MS = 5_000;

/**
 * Rotation leans on the service's own staging: `PutSecretValue` without `VersionStages`
 * moves AWSCURRENT to the new version and AWSPREVIOUS to the old one, which is exactly the
 * provider's "current + previous" pair, in one atomic call.
 */
export class SecretsManagerKeyStore implements KeyStore {
  private readonly client: SecretsManagerClient;
  private readonly prefix: string;
  private readonly vendorSecretId: string;
  private readonly placement: { KmsKeyId?: string; AddReplicaRegions?: { Region: string; KmsKeyId?: string }[] };
  private readonly callTimeoutMs: number;
  private readonly keys: TtlCache<TerminalKey>;
  private readonly vendorCache: TtlCache<VendorCredentials>;

  constructor(options: SecretsManagerKeyStoreOptions) {
    this.client = options.client;
    this.prefix = options.prefix;
    this.vendorSecretId = options.vendorSecretId;
    const kms = options.kmsKeyId ? { KmsKeyId: options.kmsKeyId } : {};
    this.placement = { ...kms, ...(options.replicaRegions?.length ? { AddReplicaRegions: options.replicaRegions.map((Region) => ({ Region, ...kms })) } : {}) };
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    const now = options.now ?? Date.now;
    this.keys = new TtlCache(ttl, now);
    this.vendorCache = new TtlCache(ttl, now);
  }

  async current(terminalSn: string): Promise<TerminalKey> {
    const key = await this.keys.get(terminalSn, async () => {
      const stored = await this.readTerminalKey(terminalSn, 'AWSCURRENT');
      if (stored === undefined) throw new KeyNotFoundError(`no key stored for terminal ${terminalSn}`);
      return stored;
    });
    return { ...key };
  }

  async currentStored(terminalSn: string): Promise<StoredKey> {
    const read = await this.readSecret(this.secretName(terminalSn), 'AWSCURRENT', `the key of terminal ${terminalSn}`);
    if (read === undefined) throw new KeyNotFoundError(`no key stored for terminal ${terminalSn}`);
    if (read.created === undefined) throw new KeyStoreError(`the key of terminal ${terminalSn} has no creation date`);
    const key = storedTerminalKey(parseJson(read.text, `stored key of terminal ${terminalSn}`), terminalSn);
    this.keys.set(terminalSn, key);
    return { key: { ...key }, stored_at: read.created };
  }

  previous(terminalSn: string): Promise<TerminalKey | undefined> {
    return this.readTerminalKey(terminalSn, 'AWSPREVIOUS');
  }

  async rotate(key: TerminalKey): Promise<void> {
    const valid = toTerminalKey(key, 'key to rotate to');
    const sn = valid.terminal_sn;
    const secretId = this.secretName(sn);
    const secretString = terminalKeyJson(valid);
    let stages: string[] | undefined;
    try {
      ({ VersionStages: stages } = await this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: secretString,
          ClientRequestToken: versionToken(secretId, secretString),
        }),
        this.callOptions(),
      ));
    } catch (error) {
      throw translate(error, `storing the new key of terminal ${sn}`);
    }
    // A replayed token is ignored by the service and answers with that version's labels; if
    // they lack AWSCURRENT, the key was stored before and replaced since. Without labels in
    // the reply we cannot tell, and a stored new key must not be reported as lost.
    if (stages !== undefined && !stages.includes('AWSCURRENT')) {
      throw new KeyExistsError(`this key of terminal ${sn} was stored before and has since been replaced`);
    }
    this.keys.set(sn, valid);
  }

  async create(key: TerminalKey): Promise<void> {
    const valid = toTerminalKey(key, 'key to create');
    const sn = valid.terminal_sn;
    const name = this.secretName(sn);
    const secretString = terminalKeyJson(valid);
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: secretString,
          ClientRequestToken: versionToken(name, secretString),
          ...this.placement,
        }),
        this.callOptions(),
      );
    } catch (error) {
      if (errorName(error) !== 'ResourceExistsException') throw translate(error, `creating the key of terminal ${sn}`);
      // The secret may be ours from an attempt whose reply was lost: then the retry succeeds.
      const stored = await this.readTerminalKey(sn, 'AWSCURRENT');
      if (stored === undefined || !sameKey(stored, valid)) {
        throw new KeyExistsError(`terminal ${sn} already has a key`);
      }
    }
    this.keys.set(sn, valid);
  }

  async vendor(): Promise<VendorCredentials> {
    const credentials = await this.vendorCache.get('vendor', async () => {
      const read = await this.readSecret(this.vendorSecretId, 'AWSCURRENT', 'the vendor credentials');
      if (read === undefined) throw new KeyNotFoundError('no vendor credentials stored');
      return toVendorCredentials(parseJson(read.text, 'stored vendor credentials'), 'stored vendor credentials');
    });
    return { ...credentials };
  }

  forget(terminalSn: string): void {
    this.keys.delete(terminalSn);
  }

  async currentSince(terminalSn: string): Promise<Date | undefined> {
    try {
      // Labelled versions only (the default), so at most a handful: one page always holds AWSCURRENT.
      const { Versions } = await this.client.send(
        new ListSecretVersionIdsCommand({ SecretId: this.secretName(terminalSn), MaxResults: 100 }),
        this.callOptions(),
      );
      return Versions?.find((version) => version.VersionStages?.includes('AWSCURRENT'))?.CreatedDate;
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw translate(error, `reading the key age of terminal ${terminalSn}`);
    }
  }

  private secretName(terminalSn: string): string {
    return `${this.prefix}/terminals/${terminalSn}`;
  }

  private async readTerminalKey(terminalSn: string, stage: string): Promise<TerminalKey | undefined> {
    const read = await this.readSecret(this.secretName(terminalSn), stage, `the key of terminal ${terminalSn}`);
    if (read === undefined) return undefined;
    return storedTerminalKey(parseJson(read.text, `stored key of terminal ${terminalSn}`), terminalSn);
  }

  /** `undefined` when the secret or the stage does not exist (the service says ResourceNotFound for both). */
  private async readSecret(secretId: string, stage: string, what: string): Promise<{ text: string; created: Date | undefined } | undefined> {
    let secretString: string | undefined;
    let created: Date | undefined;
    try {
      ({ SecretString: secretString, CreatedDate: created } = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
        this.callOptions(),
      ));
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw translate(error, `reading ${what}`);
    }
    if (secretString === undefined) throw new KeyStoreError(`${what} has no string value`);
    return { text: secretString, created };
  }

  private callOptions(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.callTimeoutMs) };
  }
}

/**
 * The same key always yields the same token, so a retried write (by the SDK or by our
 * caller) replays the same version instead of creating a second one, which would push the
 * still-valid old key out of AWSPREVIOUS. The token becomes the VersionId (visible in
 * CloudTrail and DescribeSecret); a SHA-256 of the value is not reversible for a random key.
 */
function versionToken(secretName: string, secretString: string): string {
  return createHash('sha256').update(`upay-key-version\n${secretName}\n${secretString}`).digest('hex');
}

const UNAVAILABLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);
const UNAVAILABLE_ERRNO = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

function isUnavailable(error: unknown): boolean {
  const { $metadata, code } = (error ?? {}) as { $metadata?: { httpStatusCode?: number }; code?: unknown };
  const status = $metadata?.httpStatusCode ?? 0;
  return (
    UNAVAILABLE_NAMES.has(errorName(error)) ||
    status === 429 ||
    status >= 500 ||
    (typeof code === 'string' && UNAVAILABLE_ERRNO.has(code))
  );
}

/** Keeps only the error's name: SDK messages and response bodies stay behind. */
function translate(error: unknown, doing: string): KeyStoreError {
  const name = errorName(error);
  if (name === 'ResourceNotFoundException') return new KeyNotFoundError(`not found while ${doing}`, name);
  if (isUnavailable(error)) return new KeyStoreUnavailableError(`Secrets Manager unavailable while ${doing} (${name})`, name);
  return new KeyStoreError(`Secrets Manager failed while ${doing} (${name})`, name);
}
