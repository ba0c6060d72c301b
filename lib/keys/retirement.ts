// Retiring a terminal's key: its secret is scheduled for deletion after a recovery window,
// within which ops can restore it (DEPLOY.md, "Retiring a terminal"). Nothing is read, so
// no key can leak from here.
import { DeleteSecretCommand, DescribeSecretCommand, RemoveRegionsFromReplicationCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KeyStoreUnavailableError } from './port.js';

export interface KeyRetirement {
  /** Schedules the terminal's secret for deletion; a repeat, or a secret already gone, is no error. */
  scheduleDeletion(terminalSn: string): Promise<{ deletion_date?: string }>;
}

/** The longest window Secrets Manager allows: a mistaken retirement has a month to be undone. */
export const RECOVERY_WINDOW_DAYS = 30;

const SETTLED = new Set(['ResourceNotFoundException', 'InvalidRequestException']);

export function secretsManagerKeyRetirement(client: () => SecretsManagerClient, prefix: string): KeyRetirement {
  let sm: SecretsManagerClient | undefined;
  return {
    async scheduleDeletion(terminalSn) {
      sm ??= client();
      const secretId = `${prefix}/terminals/${terminalSn}`;
      try {
        // Secrets Manager deletes no secret that still has replicas; a replica goes at once
        // (DEPLOY.md says how to replicate a restored key again).
        const { ReplicationStatus = [] } = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
        const replicas = ReplicationStatus.flatMap((replica) => (replica.Region ? [replica.Region] : []));
        if (replicas.length > 0) await sm.send(new RemoveRegionsFromReplicationCommand({ SecretId: secretId, RemoveReplicaRegions: replicas }));
        const { DeletionDate } = await sm.send(new DeleteSecretCommand({ SecretId: secretId, RecoveryWindowInDays: RECOVERY_WINDOW_DAYS }));
        return DeletionDate ? { deletion_date: DeletionDate.toISOString() } : {};
      } catch (error) {
        // Already scheduled (InvalidRequestException) or never stored: the retirement stands.
        if (SETTLED.has((error as Error).name)) return {};
        throw new KeyStoreUnavailableError('could not schedule the terminal key for deletion', (error as Error).name);
      }
    },
  };
}

/** The local stack keeps its key file as it is: a retired terminal simply signs nothing more. */
export const localKeyRetirement: KeyRetirement = { scheduleDeletion: async () => ({}) };
