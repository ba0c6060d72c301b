import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type {
  CreateSecretCommandInput,
  CreateSecretCommandOutput,
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput,
  ListSecretVersionIdsCommandInput,
  ListSecretVersionIdsCommandOutput,
  PutSecretValueCommandInput,
  PutSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A stateful stand-in for Secrets Manager, wired into an aws-sdk-client-mock stub. It keeps
 * versions per secret and moves staging labels the way the service does, so tests prove the
 * adapter against the service's behaviour rather than against canned replies:
 * - PutSecretValue without VersionStages: the new version gets AWSCURRENT, the former
 *   AWSCURRENT gets AWSPREVIOUS, the former AWSPREVIOUS loses it (and, unlabelled, is deprecated).
 * - A ClientRequestToken that names an existing version with the same value is ignored (the
 *   reply carries that version's labels); with another value it is a ResourceExistsException.
 * - CreateSecret for an existing name is a ResourceExistsException, whatever the token.
 * - A missing secret, or no version with the asked label, is a ResourceNotFoundException.
 */

type Operation = 'CreateSecret' | 'PutSecretValue' | 'GetSecretValue' | 'ListSecretVersionIds';

interface Version {
  id: string;
  value: string;
  stages: Set<string>;
  created: Date;
}

interface Secret {
  name: string;
  arn: string;
  versions: Version[];
}

interface Fault {
  operation: Operation;
  error: Error;
  /** 'after' applies the request and then fails: a reply lost on the way back. */
  when: 'before' | 'after';
}

const metadata = { $metadata: {} };

export class FakeSecretsManager {
  readonly client = new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } });
  readonly mock = mockClient(this.client);
  private readonly secrets = new Map<string, Secret>();
  private readonly faults: Fault[] = [];

  constructor(private readonly now: () => number = Date.now) {
    this.mock.on(CreateSecretCommand).callsFake((input: CreateSecretCommandInput) => this.run('CreateSecret', () => this.createSecret(input)));
    this.mock.on(PutSecretValueCommand).callsFake((input: PutSecretValueCommandInput) => this.run('PutSecretValue', () => this.putSecretValue(input)));
    this.mock.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => this.run('GetSecretValue', () => this.getSecretValue(input)));
    this.mock
      .on(ListSecretVersionIdsCommand)
      .callsFake((input: ListSecretVersionIdsCommandInput) => this.run('ListSecretVersionIds', () => this.listSecretVersionIds(input)));
  }

  /** The next call of `operation` fails with `error`, before or after taking effect. */
  failNext(operation: Operation, error: Error, when: Fault['when'] = 'before'): void {
    this.faults.push({ operation, error, when });
  }

  /** Writes a value the way an operator would, outside the adapter (not recorded as a call). */
  store(name: string, value: string): void {
    if (this.secrets.has(name)) this.putSecretValue({ SecretId: name, SecretString: value });
    else this.createSecret({ Name: name, SecretString: value });
  }

  /** Every version of a secret still held, oldest first, with its labels. */
  versionsOf(name: string): { value: string; stages: string[] }[] {
    return (this.secrets.get(name)?.versions ?? []).map((version) => ({ value: version.value, stages: [...version.stages].sort() }));
  }

  private async run<T>(operation: Operation, apply: () => T): Promise<T> {
    await Promise.resolve();
    const index = this.faults.findIndex((fault) => fault.operation === operation);
    const fault = index < 0 ? undefined : this.faults.splice(index, 1)[0];
    if (fault?.when === 'before') throw fault.error;
    const result = apply();
    if (fault?.when === 'after') throw fault.error;
    return result;
  }

  private createSecret(input: CreateSecretCommandInput): CreateSecretCommandOutput {
    const name = required(input.Name, 'Name');
    if (this.secrets.has(name)) {
      throw new ResourceExistsException({ message: `The operation failed because the secret ${name} already exists.`, ...metadata });
    }
    const secret: Secret = { name, arn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`, versions: [] };
    this.secrets.set(name, secret);
    const version = this.addVersion(secret, input.ClientRequestToken, required(input.SecretString, 'SecretString'));
    this.label(secret, 'AWSCURRENT', version);
    return { ARN: secret.arn, Name: name, VersionId: version.id, ...metadata };
  }

  private putSecretValue(input: PutSecretValueCommandInput): PutSecretValueCommandOutput {
    const secret = this.find(required(input.SecretId, 'SecretId'));
    const value = required(input.SecretString, 'SecretString');
    const replayed = secret.versions.find((version) => version.id === input.ClientRequestToken);
    if (replayed !== undefined) {
      if (replayed.value !== value) {
        throw new ResourceExistsException({ message: "You can't modify an existing version, you can only create new versions.", ...metadata });
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: replayed.id, VersionStages: [...replayed.stages], ...metadata };
    }
    const version = this.addVersion(secret, input.ClientRequestToken, value);
    for (const stage of input.VersionStages ?? ['AWSCURRENT']) this.label(secret, stage, version);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages], ...metadata };
  }

  private getSecretValue(input: GetSecretValueCommandInput): GetSecretValueCommandOutput {
    const secret = this.find(required(input.SecretId, 'SecretId'));
    const stage = input.VersionStage ?? 'AWSCURRENT';
    const version = secret.versions.find((candidate) => candidate.stages.has(stage));
    if (version === undefined) {
      throw new ResourceNotFoundException({
        message: `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
        ...metadata,
      });
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.value,
      VersionStages: [...version.stages],
      CreatedDate: version.created,
      ...metadata,
    };
  }

  private listSecretVersionIds(input: ListSecretVersionIdsCommandInput): ListSecretVersionIdsCommandOutput {
    const secret = this.find(required(input.SecretId, 'SecretId'));
    const labelled = secret.versions.filter((version) => input.IncludeDeprecated === true || version.stages.size > 0);
    return {
      ARN: secret.arn,
      Name: secret.name,
      Versions: labelled.map((version) => ({ VersionId: version.id, VersionStages: [...version.stages], CreatedDate: version.created })),
      ...metadata,
    };
  }

  private find(secretId: string): Secret {
    const secret = this.secrets.get(secretId) ?? [...this.secrets.values()].find((candidate) => candidate.arn === secretId);
    if (secret === undefined) {
      throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...metadata });
    }
    return secret;
  }

  private addVersion(secret: Secret, token: string | undefined, value: string): Version {
    const version: Version = { id: token ?? randomUUID(), value, stages: new Set(), created: new Date(this.now()) };
    secret.versions.push(version);
    return version;
  }

  /** Moving AWSCURRENT away from a version hands that version AWSPREVIOUS, as the service does. */
  private label(secret: Secret, stage: string, target: Version): void {
    const holder = secret.versions.find((version) => version.stages.has(stage));
    holder?.stages.delete(stage);
    target.stages.add(stage);
    if (stage === 'AWSCURRENT' && holder !== undefined && holder !== target) this.label(secret, 'AWSPREVIOUS', holder);
  }
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new Error(`fake Secrets Manager: ${field} is required`);
  return value;
}
