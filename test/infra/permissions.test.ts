import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { FUNCTIONS, FUNCTION_IDS, type FunctionId } from '../../infra/functions.js';
import { TERMINAL_KEY_ACTIONS } from '../../infra/keys.js';
import { TABLE_ACTIONS } from '../../infra/ledger.js';
import { CALLBACK_CONTEXT, asArray, resourcesOf, synthStack, type Json } from './stack-fixture.js';

const { stack, template, logicalId, fn } = synthStack(CALLBACK_CONTEXT);

interface Grant {
  action: string;
  resource: string;
}

/** Every (action, resource) the IAM policies attached to a role allow, resources flattened to text. */
function grantsOfRole(roleLogicalId: string): Grant[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => asArray(policy.Properties.Roles as Json[]).some((role) => role.Ref === roleLogicalId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Json[] }).Statement)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      asArray(statement.Action as string | string[]).flatMap((action) => asArray(statement.Resource as unknown).map((resource) => ({ action, resource: JSON.stringify(resource) }))),
    );
}

const grantsOf = (name: FunctionId) => grantsOfRole(logicalId(fn(name).role));
const allGrants = FUNCTION_IDS.flatMap((name) => grantsOf(name).map((grant) => ({ ...grant, name })));

const TERMINALS = ':secret:upay/terminals/*';
const vendorSecretId = logicalId(stack.node.findChild('Keys').node.findChild('VendorSecret'));
const tableId = logicalId(stack.node.findChild('Ledger').node.findChild('Table'));

const actionsOn = (name: FunctionId, service: string, where: (resource: string) => boolean) =>
  [...new Set(grantsOf(name).filter((grant) => grant.action.startsWith(`${service}:`) && where(grant.resource)).map((grant) => grant.action))].sort();
const onTerminals = (resource: string) => resource.includes(TERMINALS);
const onVendor = (resource: string) => resource.includes(vendorSecretId);
// The table's items and indexes; its stream (read by the totals consumer alone) is apart.
const onStream = (resource: string) => resource.includes(tableId) && resource.includes('StreamArn');
const onTable = (resource: string) => resource.includes(tableId) && !onStream(resource);
const STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];

describe('terminal keys (invariant 5)', () => {
  it('lets the query function read terminal keys and nothing more: no PutSecretValue', () => {
    expect(actionsOn('query', 'secretsmanager', () => true)).toEqual(['secretsmanager:GetSecretValue']);
    expect(grantsOf('query').map((grant) => grant.action)).not.toContain('secretsmanager:PutSecretValue');
  });

  it('lets only activate create terminal secrets, and only check-in and the fleet check-in put new keys', () => {
    const writers = (action: string) => [...new Set(allGrants.filter((grant) => grant.action === action).map((grant) => grant.name))].sort();
    expect(writers('secretsmanager:CreateSecret')).toEqual(['activate']);
    expect(writers('secretsmanager:PutSecretValue')).toEqual(['checkin', 'checkin-fleet']);
  });

  it('lets every payment function and notify read terminal keys only', () => {
    for (const name of ['pay', 'precreate', 'query', 'refund', 'revoke', 'cancel', 'notify', 'timer'] as const) {
      expect(actionsOn(name, 'secretsmanager', () => true), name).toEqual(['secretsmanager:GetSecretValue']);
      expect(actionsOn(name, 'secretsmanager', onTerminals), name).toEqual(['secretsmanager:GetSecretValue']);
    }
  });

  it('lets the terminal function see key age, never a key', () => {
    expect(actionsOn('terminal', 'secretsmanager', () => true)).toEqual(['secretsmanager:ListSecretVersionIds']);
  });

  it('lets check-ins read and put terminal keys, and create none; only the fleet run deletes (retired keys)', () => {
    expect(actionsOn('checkin', 'secretsmanager', onTerminals)).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
    expect(actionsOn('checkin-fleet', 'secretsmanager', onTerminals)).toEqual(['secretsmanager:DeleteSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:RemoveRegionsFromReplication']);
    const deleters = [...new Set(allGrants.filter((grant) => grant.action === 'secretsmanager:DeleteSecret').map((grant) => grant.name))];
    expect(deleters).toEqual(['checkin-fleet']);
  });

  it('lets only activate read the vendor credentials', () => {
    const readers = [...new Set(allGrants.filter((grant) => onVendor(grant.resource)).map((grant) => grant.name))];
    expect(readers).toEqual(['activate']);
    expect(actionsOn('activate', 'secretsmanager', onVendor)).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('keeps the terminal wildcard under <prefix>/terminals/', () => {
    const secretResources = allGrants.filter((grant) => grant.action.startsWith('secretsmanager:')).map((grant) => grant.resource);
    for (const resource of secretResources) expect(onTerminals(resource) || onVendor(resource), resource).toBe(true);
  });

  it('reads an imported vendor secret by its name and the random suffix Secrets Manager adds, and uses the prefix given', () => {
    const imported = synthStack({ vendorSecretName: 'acme/upay-vendor', secretPrefix: 'acme' });
    const secrets = Object.values(imported.template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Json[] } } }).Properties.PolicyDocument.Statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('secretsmanager:'))
      .map((statement) => JSON.stringify(statement.Resource));
    expect(secrets.filter((resource) => resource.includes('vendor'))).toEqual([expect.stringMatching(/:secret:acme\/upay-vendor-\?{6}"\]\]\}$/)]);
    for (const resource of secrets.filter((item) => !item.includes('vendor'))) expect(resource).toMatch(/:secret:acme\/terminals\/\*"\]\]\}$/);
  });
});

describe('the ledger table', () => {
  it('lets the terminal, records, worklist-reading and order-events functions only read', () => {
    for (const name of ['terminal', 'attention', 'report', 'terminals', 'order-events'] as const) expect(actionsOn(name, 'dynamodb', () => true), name).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('lets every other function read and write items, but never delete, scan or batch', () => {
    for (const name of FUNCTION_IDS.filter((id) => FUNCTIONS[id].ledger === 'write')) {
      expect(actionsOn(name, 'dynamodb', onTable), name).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    }
  });

  it('lets the totals consumer write only its own items (keys TOTALS#…), never an order or a refund', () => {
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((policy) => asArray(policy.Properties.Roles as Json[]).some((role) => role.Ref === logicalId(fn('totals').role)))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Json[] }).Statement);
    const writes = statements.filter((statement) => asArray(statement.Action as string | string[]).some((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(action)));
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes) expect(statement.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOTALS#*'] } });
  });

  it('lets only the totals consumer read the stream, and only read it', () => {
    const readers = [...new Set(allGrants.filter((grant) => onStream(grant.resource)).map((grant) => grant.name))];
    expect(readers).toEqual(['totals']);
    expect(actionsOn('totals', 'dynamodb', onStream)).toEqual(STREAM_READ);
  });

  it('names the table and each index, never index/* or * (but for listing streams, which takes no resource)', () => {
    const resources = new Set(allGrants.filter((grant) => grant.action.startsWith('dynamodb:') && grant.action !== 'dynamodb:ListStreams').map((grant) => grant.resource));
    for (const resource of resources) {
      expect(resource).toContain(tableId);
      expect(resource).not.toMatch(/\*/);
    }
  });

  it('grants every call lib/store makes', () => {
    const store = readdirSync(join(PROJECT_ROOT, 'lib/store'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(join(PROJECT_ROOT, 'lib/store', file), 'utf8'))
      .join('\n');
    const commands = new Set([...store.matchAll(/new (\w+)Command\(/g)].map((match) => match[1] ?? ''));
    // A transaction is authorised item by item: by the kinds of item it holds.
    const needed = [...commands].flatMap((command) => (command === 'TransactWrite' ? ['Put', 'Update', 'Delete', 'ConditionCheck'].filter((item) => store.includes(`${item}: {`)) : [command]));
    const ACTION: Record<string, string> = { Get: 'GetItem', Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Query: 'Query', Scan: 'Scan', BatchGet: 'BatchGetItem', BatchWrite: 'BatchWriteItem' };
    expect(needed).toContain('Put');
    for (const command of needed) expect(TABLE_ACTIONS.write, command).toContain(`dynamodb:${ACTION[command] ?? `${command} (unknown to this test)`}`);
  });
});

describe('policies as a whole', () => {
  it('has no Resource "*" but for X-Ray and the stream consumers listing streams, whose calls take no resource', () => {
    const everyRole = Object.keys(resourcesOf(template, 'AWS::IAM::Role')).flatMap(grantsOfRole);
    const anywhere = everyRole.filter((grant) => grant.resource === '"*"').map((grant) => grant.action);
    expect(anywhere.length).toBeGreaterThan(0);
    for (const action of anywhere) expect(action).toMatch(/^xray:|^dynamodb:ListStreams$/);
    const pipeRole = logicalId(stack.node.findChild('Events').node.findChild('PipeRole'));
    expect(grantsOfRole(pipeRole).filter((grant) => grant.resource === '"*"').map((grant) => grant.action)).toEqual(['dynamodb:ListStreams']);
    const listers = [...new Set(allGrants.filter((grant) => grant.action === 'dynamodb:ListStreams').map((grant) => grant.name))];
    expect(listers).toEqual(['totals']);
  });

  it('grants no wildcard action', () => {
    for (const grant of allGrants) expect(grant.action).not.toContain('*');
  });

  it('lets only the fleet check-in invoke a function: itself, by its fixed name', () => {
    const invokers = allGrants.filter((grant) => grant.action === 'lambda:InvokeFunction');
    expect(invokers.map((grant) => grant.name)).toEqual(['checkin-fleet']);
    expect(invokers[0]?.resource).toContain(':function:UpayBackend-checkin-fleet"');
  });

  it('gives each function its own role, writing only to its own log group, with no managed policy', () => {
    const roles = resourcesOf(template, 'AWS::IAM::Role');
    for (const name of FUNCTION_IDS) {
      const role = roles[logicalId(fn(name).role)];
      expect(role?.Properties.ManagedPolicyArns, name).toBeUndefined();
      const logs = grantsOf(name).filter((grant) => grant.action.startsWith('logs:'));
      expect(logs.map((grant) => grant.action).sort(), name).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      for (const grant of logs) expect(grant.resource, name).toContain(logicalId(fn(name).logGroup));
    }
  });

  it('matches the grants to what each function is declared to need', () => {
    for (const name of FUNCTION_IDS) {
      expect(actionsOn(name, 'secretsmanager', onTerminals), name).toEqual([...TERMINAL_KEY_ACTIONS[FUNCTIONS[name].keys]].sort());
      expect(actionsOn(name, 'dynamodb', (resource) => onTable(resource) && !resource.includes('/index/')), name).toEqual([...TABLE_ACTIONS[FUNCTIONS[name].ledger]].sort());
    }
  });

  it('grants exactly the Secrets Manager calls the key store makes, each to some function', () => {
    const adapter = ['lib/keys/secrets-manager.ts', 'lib/keys/retirement.ts'].map((file) => readFileSync(join(PROJECT_ROOT, file), 'utf8')).join('\n');
    const used = new Set([...adapter.matchAll(/new (\w+)Command\(/g)].map((match) => `secretsmanager:${match[1] ?? ''}`));
    const granted = new Set(allGrants.filter((grant) => grant.action.startsWith('secretsmanager:')).map((grant) => grant.action));
    expect([...granted].sort()).toEqual([...used].sort());
  });
});

describe('the step timer queue', () => {
  const queueId = logicalId(stack.node.findChild('StepTimer').node.findChild('Queue'));
  const onQueue = allGrants.filter((grant) => grant.resource.includes(queueId));

  it('lets only the functions that leave work open send wake-ups', () => {
    expect([...new Set(onQueue.filter((grant) => grant.action === 'sqs:SendMessage').map((grant) => grant.name))].sort()).toEqual(['cancel', 'pay', 'precreate', 'refund', 'revoke', 'sweep', 'timer']);
  });

  it('lets no function but the worker (through its event source) receive or delete', () => {
    const consumers = [...new Set(onQueue.filter((grant) => grant.action === 'sqs:ReceiveMessage' || grant.action === 'sqs:DeleteMessage').map((grant) => grant.name))];
    expect(consumers).toEqual(['timer']);
  });
});
