// The order-events pipe's enrichment (DynamoDB stream → this → EventBridge bus): turns a
// batch of ledger changes into order events, each with the order view as detail. A throw
// fails the batch and the pipe retries it: at least once, deduplicated by event_id.
import { appContext } from '../lib/api/context.js';
import { observed } from '../lib/api/observability.js';
import { eventsOfRecords, type StreamRecord } from '../lib/events/stream.js';
import type { OrderEvent } from '../lib/events/order-events.js';

async function run(records: StreamRecord[]): Promise<OrderEvent[]> {
  const { paymentDeps } = appContext();
  return eventsOfRecords(records, (orderId) => paymentDeps.ledger.getOrder(orderId));
}

export const handler = observed(run);
