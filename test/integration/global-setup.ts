import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, warmUp } from '../../local/dynamodb.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

// One DynamoDB Local for the whole integration run, warmed up before the first file; each
// test file creates its own table.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const db = await startDynamoDbLocal();
  await warmUp(db.endpoint).catch(async (error: unknown) => {
    await db.stop();
    throw error;
  });
  project.provide('dynamoEndpoint', db.endpoint);
  return () => db.stop();
}
