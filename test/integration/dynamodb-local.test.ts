import { describe, expect, it, inject } from 'vitest';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS } from '../../local/dynamodb.js';

describe('the embedded DynamoDB Local', () => {
  it('answers on the endpoint the global setup provides', async () => {
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: inject('dynamoEndpoint') });
    const tables = await client.send(new ListTablesCommand({}));
    expect(Array.isArray(tables.TableNames)).toBe(true);
    client.destroy();
  });
});
