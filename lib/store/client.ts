import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { environmentCredentials } from '../aws/credentials.js';

export interface DocumentClientOptions {
  endpoint?: string;
  region?: string;
  /** Default: the environment's (Lambda's role; the local stack's DynamoDB Local key). */
  credentials?: DynamoDBClientConfig['credentials'];
  /** Per attempt; DynamoDB answers in single-digit ms, so a slow call is a sick connection. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Without it this SDK only logs a warning when `requestTimeoutMs` passes, and the call hangs on. */
  throwOnRequestTimeout?: boolean;
  maxAttempts?: number;
}

// Every remote call has a timeout and bounded retries: the SDK retries throttles and
// 5xx with backoff, which is safe because every write we send is conditional. A request
// past its timeout fails (it would otherwise wait on a silent endpoint for ever): with the
// defaults, a call that never gets an answer fails after about 3 × 3 s.
export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    credentials: options.credentials ?? environmentCredentials(),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 1_000, requestTimeout: options.requestTimeoutMs ?? 3_000, throwOnRequestTimeout: options.throwOnRequestTimeout ?? true },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
