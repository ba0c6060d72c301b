// Where the key store creates terminal secrets: under the merchant's KMS key, replicated to
// the second region when one is configured (issue 13).
import 'aws-sdk-client-mock-vitest/extend';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { SecretsManagerKeyStore } from '../../lib/keys/index.js';
import { terminalKey } from './keys-contract.js';

const KEY_ID = 'mrk-1234abcd';
const store = (options: { kmsKeyId?: string; replicaRegions?: string[] }) => {
  const client = new SecretsManagerClient({ region: 'ap-southeast-1' });
  const mock = mockClient(client);
  mock.on(CreateSecretCommand).resolves({});
  return { mock, keys: new SecretsManagerKeyStore({ client, prefix: 'upay', vendorSecretId: 'upay/vendor', ...options }) };
};

describe('terminal secrets created at run time', () => {
  it('are encrypted with the configured KMS key and replicated under the same key id', async () => {
    const { mock, keys } = store({ kmsKeyId: KEY_ID, replicaRegions: ['ap-east-1'] });
    await keys.create(terminalKey('100', 'a'));
    expect(mock).toHaveReceivedCommandWith(CreateSecretCommand, { Name: 'upay/terminals/100', KmsKeyId: KEY_ID, AddReplicaRegions: [{ Region: 'ap-east-1', KmsKeyId: KEY_ID }] });
  });

  it('name neither without configuration (the account default key, no replica)', async () => {
    const { mock, keys } = store({});
    await keys.create(terminalKey('101', 'a'));
    const input = mock.commandCalls(CreateSecretCommand)[0]?.args[0].input;
    expect(input).toBeDefined();
    expect(input).not.toHaveProperty('KmsKeyId');
    expect(input).not.toHaveProperty('AddReplicaRegions');
  });
});
