// The ledger and terminal registry: one table, shaped by lib/store/schema.ts (the same
// declaration the local stack builds DynamoDB Local from), encrypted with the merchant's
// own KMS key, with a stream of every change for the order events. After a restore, the
// stack adopts the restored table by name instead (DEPLOY.md §11).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption, type Attribute, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { INDEXES, KEY, TOTALS_KEY_PREFIX, TTL_ATTRIBUTE, keyAttributes } from '../lib/store/schema.js';
import type { LedgerAccess } from './functions.js';

// Exactly the calls lib/store makes (TransactWriteItems is authorised per item as Put/Update).
// No Scan, no batch calls, no DeleteItem: nothing in the ledger is ever deleted but by TTL.
export const TABLE_ACTIONS: Record<LedgerAccess, readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  write: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // The totals consumer reads an order's store-day and writes its own items only (TOTALS_ONLY).
  totals: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
};
/** Writes to items whose partition key is a totals key: never to an order or a refund. */
const TOTALS_ONLY = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${TOTALS_KEY_PREFIX}*`] } };
const isWrite = (action: string) => action === 'dynamodb:PutItem' || action === 'dynamodb:UpdateItem';
const INDEX_ACTIONS = ['dynamodb:Query'];
/** What DynamoDB asks the table's key for on behalf of a reader or a writer. */
export const TABLE_KEY_ACTIONS: Record<LedgerAccess, readonly string[]> = {
  read: ['kms:Decrypt', 'kms:DescribeKey'],
  write: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
  totals: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

export interface LedgerProps {
  /** Adopt this existing table (restored, or kept from an earlier stack) instead of creating one. */
  adopt?: { name: string; keyArn?: string; streamArn?: string };
}

export class Ledger extends Construct {
  readonly table: ITable;
  /** The key the table is encrypted with. */
  readonly key: IKey;
  /** The stream of item changes; absent for an adopted table without one. */
  readonly streamArn: string | undefined;

  constructor(scope: Construct, id: string, props: LedgerProps = {}) {
    super(scope, id);
    // Kept with the table: a table restored or adopted after `cdk destroy` still needs it.
    const ownKey = () =>
      new Key(this, 'TableKey', { description: 'Upay backend ledger table', enableKeyRotation: true, rotationPeriod: Duration.days(365), removalPolicy: RemovalPolicy.RETAIN });
    if (props.adopt) {
      this.key = props.adopt.keyArn ? Key.fromKeyArn(this, 'AdoptedKey', props.adopt.keyArn) : ownKey();
      this.table = Table.fromTableAttributes(this, 'Table', {
        tableName: props.adopt.name,
        encryptionKey: this.key,
        ...(props.adopt.streamArn ? { tableStreamArn: props.adopt.streamArn } : {}),
      });
      this.streamArn = props.adopt.streamArn;
      return;
    }

    const types = keyAttributes();
    const attribute = (name: string): Attribute => ({ name, type: types[name] === 'N' ? AttributeType.NUMBER : AttributeType.STRING });
    this.key = ownKey();
    const table = new Table(this, 'Table', {
      partitionKey: attribute(KEY.partition),
      sortKey: attribute(KEY.sort),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      // Old and new image: an event is a change of status, told by comparing the two.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      // Money records: deleting the stack, or the table by hand, must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    for (const index of INDEXES) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partition),
        ...(index.sort ? { sortKey: attribute(index.sort) } : {}),
        projectionType: ProjectionType[index.projection],
        ...(index.include ? { nonKeyAttributes: [...index.include] } : {}),
      });
    }
    this.table = table;
    this.streamArn = table.tableStreamArn;
  }

  /** Names the table and each index: no `index/*`, no `*`; and the table's key. */
  grant(grantee: IGrantable, access: LedgerAccess): void {
    const { tableArn } = this.table;
    const actions = TABLE_ACTIONS[access];
    if (access === 'totals') {
      grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: actions.filter((action) => !isWrite(action)), resources: [tableArn] }));
      grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: actions.filter(isWrite), resources: [tableArn], conditions: TOTALS_ONLY }));
    } else {
      grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [...actions], resources: [tableArn] }));
      grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: INDEX_ACTIONS, resources: INDEXES.map((index) => `${tableArn}/index/${index.name}`) }));
    }
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [...TABLE_KEY_ACTIONS[access]], resources: [this.key.keyArn] }));
  }
}
