// Issue 13's production points, each read from the synthesized template.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { FUNCTIONS, FUNCTION_IDS, type FunctionId } from '../../infra/functions.js';
import { BREAK_GLASS_TAG } from '../../infra/keys.js';
import { FLEET_HEARTBEAT_HOURS, NEAR_TIMEOUT_SHARE, PAY_P99_MS, SELF_PACED_RESERVE_SECONDS } from '../../infra/monitoring.js';
import { STREAM_FILTER } from '../../infra/order-events.js';
import { ITERATOR_AGE_ALARM_MS } from '../../infra/totals.js';
import { CHANGES_PER_WRITE } from '../../lib/totals/apply.js';
import { EVENT_SOURCE, eventHeads } from '../../lib/events/order-events.js';
import { loadConfig } from '../../lib/api/config.js';
import { stepBudgetMs } from '../../lib/payments/claim.js';
import { CHECKIN_WORST_MS } from '../../lib/terminals/budget.js';
import { CALLBACK_CONTEXT, CDK_JSON_CONTEXT, asArray, resourcesOf, synthStack, type Json } from './stack-fixture.js';

const full = synthStack(CALLBACK_CONTEXT);
const { stack, template, logicalId, fn, functionLogicalId } = full;
const REPLICA = 'ap-east-1';
const STREAM_ARN = 'arn:aws:dynamodb:ap-southeast-1:111122223333:table/upay-restored/stream/2026-11-30T00:00:00.000';
// Every new context key at once.
const everything = synthStack({
  ...CALLBACK_CONTEXT,
  callbackReservedConcurrency: 9,
  callbackRateLimit: 3,
  callbackBurstLimit: 6,
  allowPasswordAuth: 'true',
  domainName: 'pay.example.com',
  certificateArn: 'arn:aws:acm:ap-southeast-1:111122223333:certificate/abcd',
  tableName: 'upay-restored',
  tableKeyArn: 'arn:aws:kms:ap-southeast-1:111122223333:key/0000-restored',
  tableStreamArn: STREAM_ARN,
  userPoolId: 'ap-southeast-1_AbC123',
  secretReplicaRegion: REPLICA,
});

const variablesOf = (fixture: typeof full, name: FunctionId) =>
  (resourcesOf(fixture.template, 'AWS::Lambda::Function')[fixture.functionLogicalId(name)]?.Properties.Environment as { Variables: Json }).Variables;
const statementsOf = (policy: Json | undefined) => asArray((policy?.KeyPolicy as { Statement: Json[] } | undefined)?.Statement);
const secretsKeyId = logicalId(stack.node.findChild('Keys').node.findChild('SecretsKey'));
const secretsKey = resourcesOf(template, 'AWS::KMS::Key')[secretsKeyId];
const roleArn = (name: FunctionId) => ({ 'Fn::GetAtt': [logicalId(fn(name).role), 'Arn'] });

describe('the secrets key', () => {
  it('is customer-managed, rotated, multi-Region (replication never replaces it) and kept', () => {
    expect(secretsKey).toMatchObject({ DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true, MultiRegion: true } });
  });

  it('lets only the functions that sign, rotate or activate use it, each by its role, only through Secrets Manager', () => {
    const statements = statementsOf(secretsKey?.Properties);
    const users = statements.filter((statement) => asArray(statement.Action as string[]).includes('kms:Decrypt') && statement.Sid !== 'BreakGlass');
    const principals = users.map((statement) => JSON.stringify((statement.Principal as Json).AWS));
    const expected = FUNCTION_IDS.filter((name) => ['sign', 'rotate', 'activate', 'fleet'].includes(FUNCTIONS[name].keys));
    expect(principals.sort()).toEqual(expected.map((name) => JSON.stringify(roleArn(name))).sort());
    for (const name of ['terminal', 'order-events'] as const) expect(principals, name).not.toContain(JSON.stringify(roleArn(name)));
    for (const statement of users) expect(JSON.stringify(statement.Condition)).toContain('kms:ViaService');
    const writers = users.filter((statement) => asArray(statement.Action as string[]).includes('kms:GenerateDataKey')).map((statement) => JSON.stringify((statement.Principal as Json).AWS));
    expect(writers.sort()).toEqual(['activate', 'checkin', 'checkin-fleet'].map((name) => JSON.stringify(roleArn(name as FunctionId))).sort());
  });

  it('leaves the account key administration without decrypt, plus a break-glass decrypt for roles tagged by an admin', () => {
    const statements = statementsOf(secretsKey?.Properties);
    const admin = statements.find((statement) => statement.Sid === 'KeyAdministration');
    expect(asArray(admin?.Action as string[])).not.toContain('kms:Decrypt');
    expect(asArray(admin?.Action as string[]).some((action) => /^kms:(\*|Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/.test(action))).toBe(false);
    // Nor a grant, which would let an IAM policy alone give its holder decrypt: `kms:Create*` also allows kms:CreateGrant.
    const allows = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/\*/g, '.*')}$`).test(action);
    expect(asArray(admin?.Action as string[]).filter((pattern) => allows(pattern, 'kms:CreateGrant'))).toEqual([]);
    const breakGlass = statements.find((statement) => statement.Sid === 'BreakGlass');
    expect(breakGlass).toMatchObject({ Action: ['kms:Decrypt', 'kms:DescribeKey'], Condition: { StringEqualsIgnoreCase: { [`aws:PrincipalTag/${BREAK_GLASS_TAG}`]: 'true' } } });
    expect(JSON.stringify(breakGlass?.Principal)).toContain(':root');
    // Nobody else: no other statement lets the account (hence any IAM policy) use the key.
    const accountWide = statements.filter((statement) => JSON.stringify(statement.Principal).includes(':root') && !['KeyAdministration', 'BreakGlass'].includes(String(statement.Sid)));
    expect(accountWide).toEqual([]);
  });

  it('encrypts the vendor secret, and tells every function its id for the terminal secrets it creates (CreateSecret KmsKeyId)', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'upay/vendor', KmsKeyId: { 'Fn::GetAtt': [secretsKeyId, 'Arn'] } });
    for (const name of FUNCTION_IDS) expect(variablesOf(full, name).SECRETS_KMS_KEY_ID, name).toEqual({ Ref: secretsKeyId });
    expect(readFileSync(join(PROJECT_ROOT, 'lib/api/context.ts'), 'utf8')).toContain('kmsKeyId: config.SECRETS_KMS_KEY_ID');
  });
});

describe('the table, the topic and the stream', () => {
  const [table] = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'));
  const tableKeyId = logicalId(stack.node.findChild('Ledger').node.findChild('TableKey'));

  it('encrypts the table with its own customer-managed key, rotated and kept, and streams old and new images', () => {
    expect(table?.Properties).toMatchObject({
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [tableKeyId, 'Arn'] } },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(resourcesOf(template, 'AWS::KMS::Key')[tableKeyId]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
  });

  it('encrypts the alarm topic with a key CloudWatch may use', () => {
    const [topic] = Object.values(resourcesOf(template, 'AWS::SNS::Topic'));
    const keyId = (topic?.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const key = resourcesOf(template, 'AWS::KMS::Key')[keyId];
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key?.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
  });
});

describe('the callback route', () => {
  const stageOf = (fixture: typeof full) => Object.values(resourcesOf(fixture.template, 'AWS::ApiGatewayV2::Stage'))[0];

  it('has its own throttle, below the stage default, and the stage waits for the route', () => {
    expect(stageOf(full)?.Properties.RouteSettings).toEqual({ 'POST /v1/upay/notify': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 } });
    expect(asArray(stageOf(full)?.DependsOn as string[]).some((id) => id.includes('notify') || id.includes('Notify'))).toBe(true);
    expect(stageOf(everything)?.Properties.RouteSettings).toEqual({ 'POST /v1/upay/notify': { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 } });
  });

  it('reserves concurrency for notify only when context asks', () => {
    expect(resourcesOf(template, 'AWS::Lambda::Function')[functionLogicalId('notify')]?.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    expect(resourcesOf(everything.template, 'AWS::Lambda::Function')[everything.functionLogicalId('notify')]?.Properties.ReservedConcurrentExecutions).toBe(9);
  });
});

describe('the user pool', () => {
  it('is deletion-protected', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
  });

  it('keeps its groups when the stack is deleted or the pool adopted, so an adopted pool still has them with their members', () => {
    const groups = Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolGroup'));
    expect(groups.map((group) => group.Properties.GroupName).sort()).toEqual(['admin', 'cashier', 'ops']);
    for (const group of groups) expect(group, String(group.Properties.GroupName)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('is adopted by id: no pool created, the app client made on the given pool', () => {
    everything.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    everything.template.hasResourceProperties('AWS::Cognito::UserPoolClient', { UserPoolId: 'ap-southeast-1_AbC123', ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH']) });
  });
});

describe('tracing', () => {
  it('traces every function actively', () => {
    for (const name of FUNCTION_IDS) expect(resourcesOf(template, 'AWS::Lambda::Function')[functionLogicalId(name)]?.Properties.TracingConfig, name).toEqual({ Mode: 'Active' });
  });

  it('wraps every handler in the one observed() stack (Tracer, Logger, Metrics with cold start)', () => {
    for (const name of FUNCTION_IDS) {
      const source = readFileSync(join(PROJECT_ROOT, 'functions', `${name}.ts`), 'utf8');
      expect(/\bobserved\(run\)|\broute\(|\breversalHandler\(/.test(source), name).toBe(true);
    }
    // Every AWS SDK client the functions build is traced: each call is a subsegment.
    const context = readFileSync(join(PROJECT_ROOT, 'lib/api/context.ts'), 'utf8').replace(/^import .*$/gm, '');
    const built = [...context.matchAll(/(captureAWSv3Client\((?:\w+\.)?)?create\w+Client\b/g)];
    expect(built.length).toBeGreaterThan(1);
    for (const [call, captured] of built) expect(captured, call).toBeDefined();
    const observability = readFileSync(join(PROJECT_ROOT, 'lib/api/observability.ts'), 'utf8');
    expect(observability).toMatch(/captureLambdaHandler\(tracer/);
    expect(observability).toMatch(/captureColdStartMetric: true/);
  });
});

describe('alarms', () => {
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
  const named = (suffix: string) => alarms.find((alarm) => alarm.AlarmName === `UpayBackend-${suffix}`);
  const metricOf = (alarm: Json | undefined) => asArray(alarm?.Metrics as Json[]).map((query) => (query.MetricStat as Json | undefined)?.Metric as Json | undefined).filter(Boolean);

  it('counts a silent sweep as breaching: fewer than one invocation in each of two 5-minute periods', () => {
    expect(named('SweepHeartbeat')).toMatchObject({
      MetricName: 'Invocations',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId('sweep') } }],
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 2,
      TreatMissingData: 'breaching',
    });
  });

  it('counts a daily fleet check-in that did not complete within 26 hourly periods as breaching', () => {
    expect(named('FleetCheckinHeartbeat')).toMatchObject({
      MetricName: 'FleetRuns',
      Dimensions: Match.absent() === undefined ? expect.anything() : expect.anything(),
      Period: 3600,
      EvaluationPeriods: FLEET_HEARTBEAT_HOURS,
      DatapointsToAlarm: FLEET_HEARTBEAT_HOURS,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(named('FleetCheckinHeartbeat')?.Dimensions).toEqual(expect.arrayContaining([{ Name: 'outcome', Value: 'completed' }]));
    expect(readFileSync(join(PROJECT_ROOT, 'functions/checkin-fleet.ts'), 'utf8')).toMatch(/countOutcome\('FleetRuns', report\.cursor === undefined \? 'completed'/);
  });

  it('alarms on the 4xx and 429 shares of requests, the 429s counted from the access log', () => {
    // The 4xx share counts only answers our code gave to callers past the JWT authorizer: the
    // callback route's 401s to strangers and a token-less scan must not raise an alarm.
    const fourxx = metricOf(named('Api4xxRate'));
    expect(fourxx.map((metric) => `${String(metric?.Namespace)} ${String(metric?.MetricName)}`)).toEqual(fourxx.map(() => 'UpayBackend Requests'));
    expect(fourxx.map((metric) => (metric?.Dimensions as Json[]).find((dimension) => dimension.Name === 'outcome')?.Value).sort()).toEqual(['client_error', 'ok', 'server_error']);
    expect(metricOf(named('Api429Rate')).map((metric) => metric?.MetricName).sort()).toEqual(['ApiResponses', 'Count']);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.status = "429" }', MetricTransformations: [Match.objectLike({ MetricName: 'ApiResponses', Dimensions: [{ Key: 'status', Value: '$.status' }] })] });
  });

  it('alarms on pay p99 over 25 s and on any function running near its timeout', () => {
    expect(named('PayLatencyP99')).toMatchObject({ MetricName: 'Duration', ExtendedStatistic: 'p99', Threshold: PAY_P99_MS, ComparisonOperator: 'GreaterThanThreshold' });
    for (const name of FUNCTION_IDS.filter((id) => SELF_PACED_RESERVE_SECONDS[id] === undefined)) {
      expect(named(`${name}-NearTimeout`), name).toMatchObject({ MetricName: 'Duration', Statistic: 'Maximum', Threshold: Math.round(FUNCTIONS[name].timeoutSeconds * 1000 * NEAR_TIMEOUT_SHARE) });
    }
    // The fleet stops starting work a reserve before its timeout by design: near is inside half
    // of it (it starts a check-in only while a check-in's worst case fits).
    expect(named('checkin-fleet-NearTimeout')?.Threshold).toBe(FUNCTIONS['checkin-fleet'].timeoutSeconds * 1000 - CHECKIN_WORST_MS / 2);
    expect(readFileSync(join(PROJECT_ROOT, 'functions/checkin-fleet.ts'), 'utf8')).toMatch(/const RESERVE_MS = CHECKIN_WORST_MS;/);
    // A timer step (its whole claimed budget) ends before its worker's near-timeout mark.
    const config = loadConfig({ TABLE_NAME: 'ledger', UPAY_BASE_URL: 'https://upay.example.com' });
    expect(stepBudgetMs({ providerTimeoutMs: config.PROVIDER_TIMEOUT_MS })).toBeLessThan(named('timer-NearTimeout')?.Threshold as number);
  });

  it('alarms on DynamoDB throttles and system errors of the table', () => {
    expect(JSON.stringify(named('TableThrottles')?.Metrics)).toContain('ThrottledRequests');
    expect(JSON.stringify(named('TableSystemErrors')?.Metrics)).toContain('SystemErrors');
  });

  it('treats missing data as breaching for the heartbeats only, and every alarm has a runbook line in DEPLOY.md', () => {
    const deploy = readFileSync(join(PROJECT_ROOT, 'DEPLOY.md'), 'utf8');
    for (const alarm of alarms) {
      const name = String(alarm.AlarmName).replace(/^UpayBackend-/, '');
      expect(alarm.TreatMissingData, name).toBe(name.endsWith('Heartbeat') ? 'breaching' : 'notBreaching');
      const row = name.replace(/^[a-z-]+-(Errors|Throttles|NearTimeout)$/, '<function>-$1');
      expect(deploy, name).toContain(`| \`${row}\``);
    }
  });

  it('names no outcome in a metric: outcomes are the dimension of Requests, TimerWakeUps, FleetRuns', () => {
    const sources = ['lib/api/route.ts', 'lib/payments/reconcile.ts', 'functions/notify.ts'].map((file) => readFileSync(join(PROJECT_ROOT, file), 'utf8')).join('\n');
    expect(sources).not.toMatch(/'(RequestsOk|ClientErrors|ServerErrors|ReconcileProcessed|ReconcileErrors|NotifyRejected)'/);
    expect(sources).toMatch(/countOutcome\('Requests'/);
    expect(sources).toMatch(/TimerWakeUps_\${/);
  });
});

describe('order events', () => {
  const [pipe] = Object.values(resourcesOf(template, 'AWS::Pipes::Pipe'));
  const [bus] = Object.entries(resourcesOf(template, 'AWS::Events::EventBus'));
  const tableId = logicalId(stack.node.findChild('Ledger').node.findChild('Table'));

  it('pipes the table stream, order and refund items only, through the enrichment function, to the stack bus', () => {
    expect(bus?.[1].Properties.Name).toBe('UpayBackend-orders');
    expect(pipe?.Properties).toMatchObject({
      Source: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      Enrichment: { 'Fn::GetAtt': [functionLogicalId('order-events'), 'Arn'] },
      Target: { 'Fn::GetAtt': [bus?.[0], 'Arn'] },
      TargetParameters: { EventBridgeEventBusParameters: { DetailType: '$.detail_type', Source: EVENT_SOURCE } },
      SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'TRIM_HORIZON', OnPartialBatchItemFailure: 'AUTOMATIC_BISECT' }, FilterCriteria: { Filters: [{ Pattern: JSON.stringify(STREAM_FILTER) }] } },
    });
  });

  it('never returns more events for one batch than the bus target takes (10), or the pipe does not call the bus', () => {
    // The most one change makes: its status changed and an attention case opened with it.
    const worst = eventHeads({
      id: 'record-1',
      old: { pk: 'ORDER#o-1', sk: 'ORDER', order_status: 'CREATED' },
      new: { pk: 'ORDER#o-1', sk: 'ORDER', order_status: 'PAY_ERROR', attention: { reason: 'PAY_ERROR' } },
    });
    expect(worst.map((head) => head.detail_type)).toEqual(['order.pay_error', 'order.attention']);
    const { BatchSize } = (pipe?.Properties.SourceParameters as { DynamoDBStreamParameters: { BatchSize: number } }).DynamoDBStreamParameters;
    expect(BatchSize * worst.length).toBeLessThanOrEqual(10);
  });

  it('keeps batches it cannot deliver in a dead-letter queue with an alarm', () => {
    const dlq = logicalId(stack.node.findChild('Events').node.findChild('DeadLetters'));
    expect((pipe?.Properties.SourceParameters as Json).DynamoDBStreamParameters).toMatchObject({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'UpayBackend-OrderEvents-DeadLetters' });
  });
});

describe('store-day totals consumer', () => {
  const tableId = logicalId(stack.node.findChild('Ledger').node.findChild('Table'));
  // The table stream's mappings (the step timer's queue has its own).
  const mappings = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).filter((mapping) => JSON.stringify(mapping.Properties.EventSourceArn).includes('StreamArn'));

  it('reads the table stream from its oldest record, order and refund writes only, into the totals function', () => {
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionName: { Ref: functionLogicalId('totals') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: CHANGES_PER_WRITE,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(STREAM_FILTER) }] },
    });
  });

  it('halves a failing batch, retries a bounded number of times, then sends the positions to its own dead-letter queue', () => {
    const dlq = logicalId(stack.node.findChild('StoreDayTotals').node.findChild('DeadLetters'));
    expect(mappings[0]?.Properties).toMatchObject({
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
  });

  it('alarms on its dead letters, its errors, its iterator age and on totals a report found inconsistent', () => {
    for (const name of ['Totals-DeadLetters', 'totals-Errors', 'Totals-Inconsistent']) template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `UpayBackend-${name}` });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'UpayBackend-Totals-IteratorAge', MetricName: 'IteratorAge', Threshold: ITERATOR_AGE_ALARM_MS });
  });
});

describe('recovery and operations context', () => {
  it('adopts a table by name: no table created, the functions use it, the pipe reads the given stream', () => {
    everything.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(variablesOf(everything, 'pay').TABLE_NAME).toBe('upay-restored');
    const [pipe] = Object.values(resourcesOf(everything.template, 'AWS::Pipes::Pipe'));
    expect(pipe?.Properties.Source).toBe(STREAM_ARN);
    expect(JSON.stringify(resourcesOf(everything.template, 'AWS::IAM::Policy'))).toContain('0000-restored');
  });

  it('can move the pipe to a restored table\'s stream: a new Source replaces the pipe, which CloudFormation cannot do to a fixed name', () => {
    const [[id, before] = []] = Object.entries(resourcesOf(template, 'AWS::Pipes::Pipe'));
    const [[adoptedId, after] = []] = Object.entries(resourcesOf(everything.template, 'AWS::Pipes::Pipe'));
    expect(adoptedId).toBe(id);
    expect(after?.Properties.Source).not.toEqual(before?.Properties.Source);
    expect(before?.Properties).not.toHaveProperty('Name');
  });

  it('adopts a table without a stream: no pipe, no enrichment function, no totals consumer, and a synth warning', () => {
    const noStream = synthStack({ tableName: 'upay-restored' });
    noStream.template.resourceCountIs('AWS::Pipes::Pipe', 0);
    expect(noStream.stack.functions['order-events']).toBeUndefined();
    expect(noStream.stack.functions.totals).toBeUndefined();
    // Only the step timer's queue is read.
    noStream.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    expect(JSON.stringify(Object.values(resourcesOf(noStream.template, 'AWS::Lambda::EventSourceMapping')))).not.toContain('StreamArn');
    // A restored table holds totals items marked complete that nothing keeps up any more: reports read the orders.
    expect(variablesOf(noStream, 'report')).not.toHaveProperty('DAILY_TOTALS');
    expect(variablesOf(full, 'report')).toMatchObject({ DAILY_TOTALS: 'kept' });
    Annotations.fromStack(noStream.stack).hasWarning('/UpayBackend', Match.stringLikeRegexp('no tableStreamArn'));
  });

  it('serves a custom domain and outputs its URL for the apps, also as the callback URL', () => {
    everything.template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'pay.example.com', DomainNameConfigurations: [Match.objectLike({ CertificateArn: 'arn:aws:acm:ap-southeast-1:111122223333:certificate/abcd' })] });
    everything.template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    expect(everything.template.findOutputs('ApiUrl').ApiUrl?.Value).toBe('https://pay.example.com');
    expect(variablesOf(everything, 'pay').NOTIFY_URL).toBe('https://pay.example.com/v1/upay/notify');
  });

  it('replicates secrets to the second region: the vendor secret under the key replica, new terminal secrets by the key store', () => {
    everything.template.hasResourceProperties('AWS::SecretsManager::Secret', { ReplicaRegions: [Match.objectLike({ Region: REPLICA, KmsKeyId: Match.anyValue() })] });
    expect(JSON.stringify(everything.template.findResources('AWS::SecretsManager::Secret'))).toContain(`:kms:${REPLICA}:`);
    for (const name of FUNCTION_IDS) expect(variablesOf(everything, name).SECRET_REPLICA_REGION, name).toBe(REPLICA);
    const activatePolicies = JSON.stringify(Object.values(resourcesOf(everything.template, 'AWS::IAM::Policy')).filter((policy) => JSON.stringify(policy.Properties.Roles).includes(everything.logicalId(everything.fn('activate').role))));
    expect(activatePolicies).toContain('secretsmanager:ReplicateSecretToRegions');
    expect(readFileSync(join(PROJECT_ROOT, 'lib/api/context.ts'), 'utf8')).toContain('replicaRegions: [config.SECRET_REPLICA_REGION]');
  });
});

describe('feature flags', () => {
  it('pins every flag of aws-cdk-lib that recommends a value (none left for cdk to report unset)', () => {
    const recommended = Object.entries(JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<string, unknown>);
    expect(recommended.length).toBeGreaterThan(50);
    for (const [flag, value] of recommended) expect(CDK_JSON_CONTEXT[flag], flag).toEqual(value);
  });
});

describe('every function has a handler module', () => {
  it('exists for the order-events enrichment', () => {
    expect(readdirSync(join(PROJECT_ROOT, 'functions'))).toContain('order-events.ts');
  });
});
