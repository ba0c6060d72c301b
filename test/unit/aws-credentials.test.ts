// Every AWS client we build takes the environment's credentials and nothing else: the rest of
// the SDK's default chain (ini files, SSO, IMDS, …) is left out of the bundles
// (infra/bundling.ts), so no client may ever fall through to it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lib/store/client.js';
import { createSecretsManagerClient } from '../../lib/keys/index.js';
import { createSqsClient } from '../../lib/timer/sqs.js';

const clients = {
  'DynamoDB (lib/store/client.ts)': () => createDocumentClient({ region: 'us-east-1' }),
  'Secrets Manager (lib/keys/secrets-manager.ts)': () => createSecretsManagerClient({ region: 'us-east-1' }),
  'SQS (lib/timer/sqs.ts)': () => createSqsClient({ region: 'us-east-1' }),
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upay-credentials-'));
  // A profile the default chain would use if it were reached.
  writeFileSync(join(dir, 'credentials'), '[bench]\naws_access_key_id = FROM_INI\naws_secret_access_key = FROM_INI\n');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(Object.entries(clients))('%s client credentials', (_name, build) => {
  it("are Lambda's environment variables", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'FROM_ENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'SECRET_FROM_ENV');
    vi.stubEnv('AWS_SESSION_TOKEN', 'TOKEN_FROM_ENV');
    const credentials = await build().config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: 'FROM_ENV', secretAccessKey: 'SECRET_FROM_ENV', sessionToken: 'TOKEN_FROM_ENV' });
  });

  it('never come from the rest of the default chain (here: a profile file)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    vi.stubEnv('AWS_PROFILE', 'bench');
    await expect(build().config.credentials()).rejects.toThrow(/environment variable credentials/);
  });
});
