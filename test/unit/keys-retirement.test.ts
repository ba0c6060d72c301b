// Retiring a terminal's key schedules its secret for deletion. Secrets Manager refuses to
// delete a secret that still has replicas (secretReplicaRegion, or replicated by hand), so the
// replicas go first.
import 'aws-sdk-client-mock-vitest/extend';
import { DeleteSecretCommand, DescribeSecretCommand, RemoveRegionsFromReplicationCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { RECOVERY_WINDOW_DAYS, secretsManagerKeyRetirement } from '../../lib/keys/retirement.js';

const DELETION_DATE = new Date('2027-01-01T00:00:00Z');

/** Secrets Manager as it treats one secret with the given replicas. */
function secretWithReplicas(regions: string[]) {
  const client = new SecretsManagerClient({ region: 'ap-southeast-1' });
  const mock = mockClient(client);
  let replicas = [...regions];
  mock.on(DescribeSecretCommand).callsFake(() => ({ Name: 'upay/terminals/100', ...(replicas.length ? { ReplicationStatus: replicas.map((Region) => ({ Region, Status: 'InSync' })) } : {}) }));
  mock.on(RemoveRegionsFromReplicationCommand).callsFake((input: { RemoveReplicaRegions?: string[] }) => {
    replicas = replicas.filter((region) => !input.RemoveReplicaRegions?.includes(region));
    return {};
  });
  mock.on(DeleteSecretCommand).callsFake(() => {
    if (replicas.length > 0) throw Object.assign(new Error(`You can't delete secret upay/terminals/100 that still has replica regions [${replicas.join(',')}]`), { name: 'InvalidParameterException' });
    return { DeletionDate: DELETION_DATE };
  });
  return { mock, retirement: secretsManagerKeyRetirement(() => client, 'upay') };
}

describe('retiring a terminal key', () => {
  it('removes the replicas of a replicated secret, then schedules it for deletion with the recovery window', async () => {
    const { mock, retirement } = secretWithReplicas(['ap-east-1']);
    await expect(retirement.scheduleDeletion('100')).resolves.toEqual({ deletion_date: DELETION_DATE.toISOString() });
    expect(mock).toHaveReceivedCommandWith(RemoveRegionsFromReplicationCommand, { SecretId: 'upay/terminals/100', RemoveReplicaRegions: ['ap-east-1'] });
    expect(mock).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: 'upay/terminals/100', RecoveryWindowInDays: RECOVERY_WINDOW_DAYS });
  });

  it('schedules a secret without replicas for deletion and removes nothing', async () => {
    const { mock, retirement } = secretWithReplicas([]);
    await expect(retirement.scheduleDeletion('100')).resolves.toEqual({ deletion_date: DELETION_DATE.toISOString() });
    expect(mock).not.toHaveReceivedCommand(RemoveRegionsFromReplicationCommand);
  });
});
