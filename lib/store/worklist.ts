// The worklist's one write the ledger has no call for: booking a refund case a person
// resolved, in the ledger's item format (lib/store/ledger.ts). The refund and the order's
// amounts change in one transaction, conditional on both versions read, so the booking
// applies once and never over a change it did not see (invariants 2, 3).
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Order, Refund } from '../payments/model.js';
import type { CaseWriter, RefundSettlement } from '../worklist/resolve.js';
import { orderKey, refundKey, updateClauses } from './ledger.js';
import { isTransactionConditionFailure, isTransactionConflict } from './errors.js';

export class WorklistStore implements CaseWriter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async settleRefundCase(order: Order, refund: Refund, settlement: RefundSettlement): Promise<boolean> {
    const refundUpdate = updateClauses(settlement.refund, { order_id: refund.order_id, refund_request_no: refund.refund_request_no });
    const orderUpdate = updateClauses(settlement.order, { order_id: order.order_id });
    const money = 'refunded_amount = refunded_amount + :refunded, net_amount = net_amount - :refunded, refund_committed = refund_committed - :released';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: refundKey(refund.order_id, refund.refund_request_no),
                UpdateExpression: refundUpdate.expression,
                ConditionExpression: '#version = :expected AND #status = :seen_status',
                ExpressionAttributeNames: { ...refundUpdate.names, '#status': 'status' },
                ExpressionAttributeValues: { ...refundUpdate.values, ':expected': refund.version, ':seen_status': refund.status },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: orderKey(order.order_id),
                UpdateExpression: orderUpdate.expression.replace(/^SET /, `SET ${money}, `),
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: orderUpdate.names,
                ExpressionAttributeValues: { ...orderUpdate.values, ':expected': order.version, ':refunded': settlement.refunded, ':released': settlement.released },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionConditionFailure(error) || isTransactionConflict(error)) return false;
      throw error;
    }
  }
}
