// The credentials of every AWS SDK client we build. Lambda puts the function role's
// credentials in the environment, where the SDK's default chain would find them first too;
// naming the one provider used means the rest of the chain (SSO, ini files, IMDS, web
// identity, …) is never reached, so it is left out of the bundles (infra/bundling.ts).
// The local stack, tests and benches set the same variables (local/dynamodb.ts localDynamoEnv).
import { fromEnv } from '@aws-sdk/credential-provider-env';

export function environmentCredentials(): ReturnType<typeof fromEnv> {
  return fromEnv();
}
