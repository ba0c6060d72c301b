// Secrets Manager answered in memory behind the real SecretsManagerKeyStore adapter:
// aws-sdk-client-mock on the SDK client class (so the client lib/api/context.ts builds is
// caught too), with the service's AWSCURRENT/AWSPREVIOUS staging, an optional modelled
// latency, and a log of every call (operation and when) for counting and pacing checks.
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  type CreateSecretCommandInput,
  type GetSecretValueCommandInput,
  type ListSecretVersionIdsCommandInput,
  type PutSecretValueCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { processCpuMs } from './cpu-clock.js';

export type SecretsOperation = 'GetSecretValue' | 'PutSecretValue' | 'CreateSecret' | 'ListSecretVersionIds';

export interface SecretsCall {
  operation: SecretsOperation;
  at: number;
}

interface Stored {
  current: string;
  previous?: string;
  since: Date;
}

export interface SecretsManagerFake {
  /** Writes a secret as an operator would (not logged as a call). */
  store(name: string, value: string): void;
  current(name: string): string | undefined;
  names(): string[];
  calls: SecretsCall[];
  /** CPU time spent inside the fake's answers, ms, for subtracting from a handler's own. */
  cpuMs(): number;
  /** Forgets the mock's record of calls (the `calls` log stays). */
  resetHistory(): void;
  restore(): void;
}

const notFound = (name: string) => new ResourceNotFoundException({ message: `Secrets Manager can't find the specified secret (${name}).`, $metadata: {} });

export function installSecretsManagerFake(options: { latencyMs?: number } = {}): SecretsManagerFake {
  const mock = mockClient(SecretsManagerClient);
  const secrets = new Map<string, Stored>();
  const calls: SecretsCall[] = [];
  let cpu = 0;
  const latency = options.latencyMs ?? 0;

  const answer = <T>(operation: SecretsOperation, act: () => T): Promise<T> => {
    const started = processCpuMs();
    calls.push({ operation, at: performance.now() });
    try {
      const result = act();
      return latency <= 0 ? Promise.resolve(result) : new Promise<T>((resolve) => setTimeout(() => resolve(result), latency));
    } catch (error) {
      return Promise.reject(error as Error);
    } finally {
      cpu += processCpuMs() - started;
    }
  };

  mock.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) =>
    answer('GetSecretValue', () => {
      const name = String(input.SecretId);
      const stored = secrets.get(name);
      const value = input.VersionStage === 'AWSPREVIOUS' ? stored?.previous : stored?.current;
      if (value === undefined) throw notFound(name);
      // As the service: the version's creation date (the adapter dates a key by it); only the current one's is kept.
      const created = input.VersionStage === 'AWSPREVIOUS' ? {} : { CreatedDate: stored?.since };
      return { Name: name, SecretString: value, VersionStages: [input.VersionStage ?? 'AWSCURRENT'], ...created, $metadata: {} };
    }),
  );
  mock.on(PutSecretValueCommand).callsFake((input: PutSecretValueCommandInput) =>
    answer('PutSecretValue', () => {
      const name = String(input.SecretId);
      const stored = secrets.get(name);
      if (!stored) throw notFound(name);
      const value = String(input.SecretString);
      if (stored.current !== value) secrets.set(name, { current: value, previous: stored.current, since: new Date() });
      return { Name: name, VersionId: input.ClientRequestToken, VersionStages: ['AWSCURRENT'], $metadata: {} };
    }),
  );
  mock.on(CreateSecretCommand).callsFake((input: CreateSecretCommandInput) =>
    answer('CreateSecret', () => {
      const name = String(input.Name);
      secrets.set(name, { current: String(input.SecretString), since: new Date() });
      return { Name: name, VersionId: input.ClientRequestToken, $metadata: {} };
    }),
  );
  mock.on(ListSecretVersionIdsCommand).callsFake((input: ListSecretVersionIdsCommandInput) =>
    answer('ListSecretVersionIds', () => {
      const stored = secrets.get(String(input.SecretId));
      if (!stored) throw notFound(String(input.SecretId));
      return { Versions: [{ VersionId: 'current', VersionStages: ['AWSCURRENT'], CreatedDate: stored.since }], $metadata: {} };
    }),
  );

  return {
    store: (name, value) => secrets.set(name, { current: value, since: new Date() }),
    current: (name) => secrets.get(name)?.current,
    names: () => [...secrets.keys()],
    calls,
    cpuMs: () => cpu,
    resetHistory: () => mock.resetHistory(),
    restore: () => mock.restore(),
  };
}

/** Calls by operation since `from` (an index into `calls`). */
export function countCalls(calls: readonly SecretsCall[], from = 0): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls.slice(from)) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}
