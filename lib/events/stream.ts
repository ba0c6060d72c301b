// From DynamoDB stream records (the pipe's batch in AWS, GetRecords locally) to order events.
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OrderWithRefunds } from '../payments/model.js';
import { orderEvents, orderIdOf, type ItemChange, type OrderEvent } from './order-events.js';

/** The part of a stream record we read; Lambda's, Pipes' and the Streams API's records all fit. */
export interface StreamRecord {
  eventID?: string;
  dynamodb?: { NewImage?: Record<string, unknown>; OldImage?: Record<string, unknown> };
}

export type OrderReader = (orderId: string) => Promise<OrderWithRefunds | undefined>;

const image = (value: Record<string, unknown> | undefined) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);

export function changeOf(record: StreamRecord): ItemChange {
  if (!record.eventID) throw new Error('stream record without eventID');
  const before = image(record.dynamodb?.OldImage);
  const after = image(record.dynamodb?.NewImage);
  return { id: record.eventID, ...(before ? { old: before } : {}), ...(after ? { new: after } : {}) };
}

/** In record order; reads each order once per batch, after its changes were written. */
export async function eventsOfRecords(records: readonly StreamRecord[], read: OrderReader): Promise<OrderEvent[]> {
  const changes = records.map(changeOf);
  const current = new Map<string, OrderWithRefunds | undefined>();
  for (const orderId of new Set(changes.map(orderIdOf))) if (orderId) current.set(orderId, await read(orderId));
  return changes.flatMap((change) => {
    const orderId = orderIdOf(change);
    return orderId ? orderEvents(change, current.get(orderId)) : [];
  });
}
