// A fleet check-in that runs short of time hands its cursor to a fresh invocation of the
// same function (asynchronous, so this one can end), until the whole fleet is done. The
// Lambda client is loaded only then, so it costs the daily run's cold start nothing.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { tracer } from './observability.js';
import { environmentCredentials } from '../aws/credentials.js';

let lambda: LambdaClient | undefined;

export async function continueAsync(functionArn: string, payload: unknown): Promise<void> {
  const sdk = await import('@aws-sdk/client-lambda');
  lambda ??= tracer.captureAWSv3Client(new sdk.LambdaClient({ credentials: environmentCredentials(), maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } }));
  await lambda.send(new sdk.InvokeCommand({ FunctionName: functionArn, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
}
