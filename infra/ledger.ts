// The ledger and terminal registry: one table, shaped by lib/store/schema.ts (the same
// declaration the local stack builds DynamoDB Local from).
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { INDEXES, KEY, TTL_ATTRIBUTE, keyAttributes } from '../lib/store/schema.js';
import type { LedgerAccess } from './functions.js';

// Exactly the calls lib/store makes (TransactWriteItems is authorised per item as Put/Update).
// No Scan, no batch calls, no DeleteItem: nothing in the ledger is ever deleted but by TTL.
export const TABLE_ACTIONS: Record<LedgerAccess, readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  write: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
};
const INDEX_ACTIONS = ['dynamodb:Query'];

export class Ledger extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const types = keyAttributes();
    const attribute = (name: string): Attribute => ({ name, type: types[name] === 'N' ? AttributeType.NUMBER : AttributeType.STRING });

    this.table = new Table(this, 'Table', {
      partitionKey: attribute(KEY.partition),
      sortKey: attribute(KEY.sort),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Money records: deleting the stack, or the table by hand, must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    for (const index of INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partition),
        ...(index.sort ? { sortKey: attribute(index.sort) } : {}),
        projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
      });
    }
  }

  /** Names the table and each index: no `index/*`, no `*`. */
  grant(grantee: IGrantable, access: LedgerAccess): void {
    const { tableArn } = this.table;
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [tableArn] }));
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: INDEX_ACTIONS, resources: INDEXES.map((index) => `${tableArn}/index/${index.name}`) }),
    );
  }
}
