import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../lib/api/config.js';
import { ROUTES, HTTP_FUNCTIONS } from '../../lib/api/routes.js';
import { NAMESPACE, SERVICE } from '../../lib/api/observability.js';
import { INDEXES, KEY, TTL_ATTRIBUTE } from '../../lib/store/schema.js';
import { CHECKIN_LEASE_MS, CHECKIN_WORST_MS } from '../../lib/terminals/budget.js';
import { BUNDLING, NODE_OPTIONS, PROJECT_ROOT } from '../../infra/bundling.js';
import { NODE_FLAGS } from '../../scripts/bench/init-time.js';
import { FUNCTIONS, FUNCTION_IDS } from '../../infra/functions.js';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../infra/monitoring.js';
import { RUNTIME } from '../../infra/payment-function.js';
import { CALLBACK_CONTEXT, asArray, resourcesOf, synthStack, type Json } from './stack-fixture.js';

// With the provider's key, so every function and route exists; `bare` is the stack without it.
const { stack, template, logicalId, functionLogicalId } = synthStack(CALLBACK_CONTEXT);
const bare = synthStack();
const publicKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
// Every context parameter changed at once, one synth for all the tests that need them.
const customised = synthStack({
  upayPublicKey: publicKeyPem,
  vendorSecretName: 'acme/upay-vendor',
  checkinTime: '22:30',
  checkinTimeZone: 'Europe/Berlin',
  alarmEmail: 'ops@example.com',
  jwtIssuer: 'https://login.example.com/',
  jwtAudience: 'pos-app, kiosk',
});
const customisedEnvironment = (name: (typeof FUNCTION_IDS)[number]) =>
  (customised.template.findResources('AWS::Lambda::Function')[customised.functionLogicalId(name)] as { Properties: { Environment: { Variables: Json } } }).Properties.Environment.Variables;
const functions = resourcesOf(template, 'AWS::Lambda::Function');
const fnProps = (name: (typeof FUNCTION_IDS)[number]) => {
  const resource = functions[functionLogicalId(name)];
  if (!resource) throw new Error(`no function ${name}`);
  return resource.Properties;
};

describe('functions', () => {
  it('builds exactly one function per operation, plus the timer worker, the sweep, the fleet check-in, the order-events enrichment and the totals consumer', () => {
    expect(Object.keys(functions)).toHaveLength(HTTP_FUNCTIONS.length + 5);
    expect(FUNCTION_IDS).toEqual(expect.arrayContaining([...HTTP_FUNCTIONS, 'timer', 'sweep', 'checkin-fleet', 'order-events', 'totals']));
    for (const name of FUNCTION_IDS) expect(functions[functionLogicalId(name)], name).toBeDefined();
  });

  it('runs every function on arm64 and the chosen Node.js runtime, ESM bundle, traced', () => {
    for (const name of FUNCTION_IDS) {
      expect(fnProps(name), name).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
    }
  });

  it('starts every function with the Node.js options the bench times its cold starts with, source maps not loaded', () => {
    for (const name of FUNCTION_IDS) {
      const deployed = (fnProps(name).Environment as { Variables: Json }).Variables.NODE_OPTIONS;
      expect(typeof deployed === 'string' ? deployed.split(' ') : [], name).toEqual(NODE_FLAGS);
    }
    expect(NODE_FLAGS).toEqual([...NODE_OPTIONS]);
    expect(NODE_FLAGS).not.toContain('--enable-source-maps');
  });

  it('gives every function a code asset of its own (CDK stages one asset for bundling options it sees as equal)', () => {
    const keys = FUNCTION_IDS.map((name) => JSON.stringify((fnProps(name).Code as Json).S3Key));
    expect(new Set(keys).size).toBe(FUNCTION_IDS.length);
  });

  it('bundles for the Node.js version the functions run on', () => {
    expect(RUNTIME.name).toBe(`nodejs${BUNDLING.target.replace('node', '')}.x`);
  });

  it('gives each function the memory and timeout chosen for it', () => {
    for (const name of FUNCTION_IDS) {
      expect(fnProps(name), name).toMatchObject({ MemorySize: FUNCTIONS[name].memoryMb, Timeout: FUNCTIONS[name].timeoutSeconds });
    }
  });

  it('stops every HTTP function before the 30 s integration limit but check-in, and gives the jobs their long runs', () => {
    // Check-in outlives the answer on purpose: it fits its worst case and stays inside its lease.
    for (const name of HTTP_FUNCTIONS.filter((n) => n !== 'checkin')) expect(FUNCTIONS[name].timeoutSeconds, name).toBeLessThan(30);
    expect(FUNCTIONS.checkin.timeoutSeconds * 1000).toBeGreaterThanOrEqual(CHECKIN_WORST_MS);
    expect(FUNCTIONS.checkin.timeoutSeconds * 1000).toBeLessThan(CHECKIN_LEASE_MS);
    expect(fnProps('timer').Timeout).toBe(40); // a step's whole claimed budget (3 provider timeouts) and its writes
    expect(fnProps('checkin-fleet').Timeout).toBe(900);
  });

  it('has an entry file exporting handler for every function', () => {
    const entries = readdirSync(join(PROJECT_ROOT, 'functions')).filter((file) => file.endsWith('.ts'));
    for (const name of FUNCTION_IDS) {
      expect(entries, name).toContain(`${name}.ts`);
      expect(readFileSync(join(PROJECT_ROOT, 'functions', `${name}.ts`), 'utf8'), name).toMatch(/export const handler\b/);
    }
  });

  it('logs each function to its own log group with a retention', () => {
    const logGroups = resourcesOf(template, 'AWS::Logs::LogGroup');
    for (const name of FUNCTION_IDS) {
      const ref = (fnProps(name).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(logGroups[ref]?.Properties.RetentionInDays, name).toBe(90);
    }
  });

  it('gives every function the same environment, one that lib/api/config accepts', () => {
    const environments = FUNCTION_IDS.map((name) => (fnProps(name).Environment as { Variables: Json }).Variables);
    for (const environment of environments) expect(environment).toEqual(environments[0]);
    const first = environments[0] as Json;
    expect(first).toMatchObject({
      TABLE_NAME: { Ref: logicalId(stack.node.findChild('Ledger').node.findChild('Table')) },
      UPAY_BASE_URL: 'https://vsi-api.shouqianba.com',
      SECRET_PREFIX: 'upay',
      VENDOR_SECRET_ID: 'upay/vendor',
    });
    const concrete = Object.fromEntries(Object.entries(first).map(([key, value]) => [key, typeof value === 'string' ? value : key.endsWith('_URL') ? 'https://resolved-at-deploy.example' : 'resolved-at-deploy']));
    expect(() => loadConfig(concrete)).not.toThrow();
  });

  it('asks the provider for no callback while its public key is not configured, has no callback route or function then, and says so at synth', () => {
    const pay = bare.template.findResources('AWS::Lambda::Function')[bare.functionLogicalId('pay')] as { Properties: { Environment: { Variables: Json } } };
    expect(pay.Properties.Environment.Variables).not.toHaveProperty('NOTIFY_URL');
    expect(pay.Properties.Environment.Variables).not.toHaveProperty('UPAY_PUBLIC_KEY_PEM');
    expect(bare.stack.functions.notify).toBeUndefined();
    expect(Object.keys(bare.template.findResources('AWS::Lambda::Function'))).toHaveLength(FUNCTION_IDS.length - 1);
    const routeKeys = Object.values(resourcesOf(bare.template, 'AWS::ApiGatewayV2::Route')).map((route) => route.Properties.RouteKey);
    expect(routeKeys).not.toContain('POST /v1/upay/notify');
    expect(routeKeys).toHaveLength(ROUTES.length - 1);
    Annotations.fromStack(bare.stack).hasWarning('/UpayBackend', Match.stringLikeRegexp('No upayPublicKey given'));
    Annotations.fromStack(customised.stack).hasNoWarning('/UpayBackend', Match.anyValue());
  });

  it('with the provider key configured, gives every function the key and the notify route as callback', () => {
    const variables = customisedEnvironment('precreate');
    expect(variables.UPAY_PUBLIC_KEY_PEM).toBe(publicKeyPem.trim() + '\n');
    const apiId = customised.logicalId(customised.stack.node.findChild('Api').node.findChild('HttpApi'));
    expect(JSON.stringify(variables.NOTIFY_URL)).toContain(apiId);
    expect(JSON.stringify(variables.NOTIFY_URL)).toMatch(/\/v1\/upay\/notify"\]\]\}$/);
    expect(() => loadConfig({ ...variables, TABLE_NAME: 'table', SECRETS_KMS_KEY_ID: 'mrk-1', NOTIFY_URL: 'https://api.example/v1/upay/notify', TIMER_QUEUE_URL: 'https://sqs.example/123/timer' } as NodeJS.ProcessEnv)).not.toThrow();
  });

  it('names the fleet check-in function, so that it can invoke itself by a known ARN', () => {
    expect(fnProps('checkin-fleet').FunctionName).toBe('UpayBackend-checkin-fleet');
  });
});

describe('the HTTP API', () => {
  const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((route) => route.Properties);
  const integrations = resourcesOf(template, 'AWS::ApiGatewayV2::Integration');
  const [authorizerId] = Object.keys(resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer'));
  const routeFor = (key: string) => routes.find((route) => route.RouteKey === key);

  it('has exactly the routes of lib/api/routes.ts', () => {
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('sends each route to the function the table names', () => {
    for (const route of ROUTES) {
      const target = JSON.stringify(routeFor(`${route.method} ${route.path}`)?.Target);
      const integrationId = /"Ref":"([^"]+)"/.exec(target)?.[1] ?? '';
      expect(JSON.stringify(integrations[integrationId]?.Properties.IntegrationUri), route.path).toContain(functionLogicalId(route.function));
    }
  });

  it('puts the JWT authorizer on every route but the provider callback', () => {
    for (const route of ROUTES) {
      const properties = routeFor(`${route.method} ${route.path}`);
      if (route.jwt) expect(properties, route.path).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      else expect(properties?.AuthorizationType, route.path).toBe('NONE');
    }
    expect(ROUTES.filter((route) => !route.jwt).map((route) => route.function)).toEqual(['notify']);
  });

  it('uses payload format 2.0, which the handlers parse', () => {
    for (const integration of Object.values(integrations)) expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
  });

  it('throttles the stage by default and writes JSON access logs without headers', () => {
    const [stage] = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'));
    expect(stage?.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    const format = JSON.parse((stage?.Properties.AccessLogSettings as { Format: string }).Format) as Json;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
    expect(JSON.stringify(format)).not.toMatch(/header|body/i);
  });

  it('validates Cognito ID tokens of the app client', () => {
    const poolId = logicalId(stack.node.findChild('Auth').node.findChild('UserPool'));
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: Match.stringLikeRegexp('AppClient') }],
        Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId }]] },
      },
    });
  });
});

describe('an external identity provider', () => {
  it('replaces the user pool: the authorizer trusts the given issuer, verbatim, for the given audiences', () => {
    customised.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    customised.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://login.example.com/', Audience: ['pos-app', 'kiosk'] },
    });
    expect(Object.keys(customised.template.findOutputs('*'))).not.toContain('UserPoolId');
  });
});

describe('the user pool', () => {
  it('creates staff users only by admin, each fixed to a store', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Schema: [{ Name: 'store_id', AttributeDataType: 'String', Mutable: false }],
      Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
      MfaConfiguration: 'OPTIONAL',
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('has the admin, cashier and ops groups the handlers check', () => {
    const groups = Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolGroup')).map((group) => group.Properties.GroupName);
    expect(groups.sort()).toEqual(['admin', 'cashier', 'ops']);
  });

  it('has a public app client that signs in with SRP or the admin flow (the password flow only when context asks), and no OAuth grant', () => {
    const [client] = Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolClient'));
    expect(client?.Properties).toMatchObject({ GenerateSecret: false, PreventUserExistenceErrors: 'ENABLED' });
    expect((client?.Properties.ExplicitAuthFlows as string[]).sort()).toEqual(['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
    const withPassword = synthStack({ allowPasswordAuth: 'true' });
    const [passwordClient] = Object.values(resourcesOf(withPassword.template, 'AWS::Cognito::UserPoolClient'));
    expect((passwordClient?.Properties.ExplicitAuthFlows as string[]).sort()).toEqual(['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']);
    expect(client?.Properties).not.toHaveProperty('AllowedOAuthFlows');
    expect(client?.Properties).not.toHaveProperty('CallbackURLs');
  });
});

describe('the ledger table', () => {
  const [table] = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'));

  it('is the only table, on demand, with point-in-time recovery', () => {
    expect(Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table'))).toHaveLength(1);
    expect(table?.Properties).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  });

  it('expires only ephemeral items, by the schema TTL attribute', () => {
    expect(table?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('is kept when the stack or the table is deleted', () => {
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { DeletionProtectionEnabled: true } });
  });

  it('has the key schema and every index of lib/store/schema.ts', () => {
    expect(table?.Properties.KeySchema).toEqual([
      { AttributeName: KEY.partition, KeyType: 'HASH' },
      { AttributeName: KEY.sort, KeyType: 'RANGE' },
    ]);
    const indexes = table?.Properties.GlobalSecondaryIndexes as Json[];
    expect(indexes).toHaveLength(INDEXES.length);
    for (const index of INDEXES) {
      expect(indexes).toContainEqual({
        IndexName: index.name,
        KeySchema: [{ AttributeName: index.partition, KeyType: 'HASH' }, ...(index.sort ? [{ AttributeName: index.sort, KeyType: 'RANGE' }] : [])],
        Projection: { ProjectionType: index.projection, ...(index.include ? { NonKeyAttributes: [...index.include] } : {}) },
      });
    }
    expect(table?.Properties.AttributeDefinitions).toContainEqual({ AttributeName: 'due_at', AttributeType: 'N' });
  });
});

describe('the vendor secret', () => {
  it('is created empty under the prefix, for ops to fill in, and kept on delete', () => {
    template.hasResource('AWS::SecretsManager::Secret', { Properties: { Name: 'upay/vendor', SecretString: '{}' }, DeletionPolicy: 'Retain' });
  });

  it('is imported by name, not created, when vendorSecretName is given', () => {
    customised.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(customisedEnvironment('activate').VENDOR_SECRET_ID).toBe('acme/upay-vendor');
  });
});

describe('the schedules', () => {
  const schedules = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).map((schedule) => schedule.Properties);
  const queues = resourcesOf(template, 'AWS::SQS::Queue');
  const targeting = (name: 'sweep' | 'checkin-fleet') => schedules.find((schedule) => JSON.stringify(schedule.Target).includes(functionLogicalId(name)));
  const dlq = (id: 'SweepDlq' | 'CheckinDlq') => ({ Arn: { 'Fn::GetAtt': [logicalId(stack.node.findChild('Schedules').node.findChild(id)), 'Arn'] } });

  it('runs the sweep every minute, retrying, with a dead-letter queue', () => {
    expect(targeting('sweep')).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: { RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 }, DeadLetterConfig: dlq('SweepDlq') },
    });
  });

  it('checks the fleet in daily at 03:00 Shanghai time by default, retrying, with a dead-letter queue', () => {
    expect(targeting('checkin-fleet')).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      Target: { RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: dlq('CheckinDlq') },
    });
  });

  it('gives each schedule its own encrypted dead-letter queue', () => {
    const dlqs = schedules.map((schedule) => ((schedule.Target as Json).DeadLetterConfig as { Arn: { 'Fn::GetAtt': [string] } }).Arn['Fn::GetAtt'][0]);
    expect(new Set(dlqs).size).toBe(2);
    for (const dlq of dlqs) expect(queues[dlq]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it('takes the check-in time and zone from context', () => {
    customised.template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 22 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
  });

  it('does not retry a failed sweep (the next tick is the retry), but keeps a failed fleet run in the check-in DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: functionLogicalId('sweep') }, MaximumRetryAttempts: 0 });
    const checkinDlq = logicalId(stack.node.findChild('Schedules').node.findChild('CheckinDlq'));
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionLogicalId('checkin-fleet') },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [checkinDlq, 'Arn'] } } },
    });
  });
});

describe('the step timer', () => {
  const queues = resourcesOf(template, 'AWS::SQS::Queue');
  const timer = stack.node.findChild('StepTimer');
  const queueId = logicalId(timer.node.findChild('Queue'));
  const dlqId = logicalId(timer.node.findChild('Dlq'));

  it('is an encrypted queue with a dead-letter queue after 5 deliveries, its visibility six times the worker timeout', () => {
    expect(queues[queueId]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * FUNCTIONS.timer.timeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(queues[dlqId]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', { Queues: [{ Ref: queueId }], PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });

  it('feeds the worker in batches of 10 without waiting, bounded, reporting failed items one by one', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionLogicalId('timer') },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      ScalingConfig: { MaximumConcurrency: 200 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives every function its URL', () => {
    for (const name of FUNCTION_IDS) expect((fnProps(name).Environment as { Variables: Record<string, unknown> }).Variables.TIMER_QUEUE_URL, name).toEqual({ Ref: queueId });
  });

  it('alarms when wake-ups wait for a worker, when messages are dead-lettered, and when the sweep stops', () => {
    expect(alarmOf('TimerLate')).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Namespace: 'AWS/SQS', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }] });
    expect(alarmOf('Timer-DeadLetters')).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] });
    expect(alarmOf('SweepHeartbeat')).toMatchObject({ TreatMissingData: 'breaching' });
  });
});

const alarmOf = (suffix: string) => Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties).find((alarm) => alarm.AlarmName === `UpayBackend-${suffix}`);

describe('alarms and dashboard', () => {
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
  const alarmNamed = (suffix: string) => alarms.find((alarm) => alarm.AlarmName === `UpayBackend-${suffix}`);
  const appMetricsOf = (alarm: Json | undefined) =>
    [alarm, ...asArray(alarm?.Metrics as Json[]).map((query) => (query.MetricStat as Json | undefined)?.Metric as Json | undefined)]
      .filter((metric): metric is Json => metric?.Namespace === METRICS_NAMESPACE)
      .map((metric) => metric.MetricName);

  it('publishes the EMF figures under the namespace and service the functions use', () => {
    expect(METRICS_NAMESPACE).toBe(NAMESPACE);
    expect(METRICS_SERVICE).toBe(SERVICE);
  });

  it('alarms on errors and throttles of every function', () => {
    for (const name of FUNCTION_IDS) {
      expect(alarmNamed(`${name}-Errors`), name).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(name) } }] });
      expect(alarmNamed(`${name}-Throttles`), name).toMatchObject({ MetricName: 'Throttles', Namespace: 'AWS/Lambda' });
    }
  });

  it('alarms on API 5xx', () => {
    expect(alarmNamed('Api5xx')).toMatchObject({ MetricName: '5xx', Namespace: 'AWS/ApiGateway', Threshold: 5 });
  });

  it('alarms on orders needing a person, due backlog age, check-in failures, parked terminals and key trouble', () => {
    // A gauge of the cases open now: the alarm holds while any case is open, not only when one is new.
    expect(appMetricsOf(alarmNamed('OpenAttention'))).toEqual(['OpenAttention']);
    expect(alarmNamed('OpenAttention')).toMatchObject({ Statistic: 'Maximum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarmNamed('DueBacklog')).toMatchObject({ MetricName: 'DueBacklogAgeSeconds', Statistic: 'Minimum', Threshold: 300, EvaluationPeriods: 2 });
    expect(appMetricsOf(alarmNamed('CheckinFailures')).sort()).toEqual(['CheckinFailed', 'CheckinUnconfirmed']);
    expect(appMetricsOf(alarmNamed('TerminalParked'))).toEqual(['TerminalParked']);
    expect(appMetricsOf(alarmNamed('TerminalKeyTrouble')).sort()).toEqual(['ActivationInterrupted', 'TerminalKeyLost', 'TerminalKeyRefused', 'TerminalNotRegistered']);
    expect(alarmNamed('OpenAttention')).toMatchObject({ Dimensions: [{ Name: 'service', Value: 'upay-backend' }] });
  });

  it('watches only figures that lib/ or functions/ actually emit', () => {
    const sources = ['lib', 'functions']
      .flatMap((dir) => readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' }).map((file) => join(PROJECT_ROOT, dir, file)))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    // Figures the stack derives from logs itself (metric filters) are not the code's to emit.
    const fromLogs = new Set(Object.values(resourcesOf(template, 'AWS::Logs::MetricFilter')).flatMap((filter) => asArray(filter.Properties.MetricTransformations as Json[]).map((metric) => metric.MetricName)));
    const watched = new Set(alarms.flatMap((alarm) => appMetricsOf(alarm)).filter((metric) => !fromLogs.has(metric)));
    expect(watched.size).toBeGreaterThanOrEqual(7);
    for (const metric of watched) expect(sources, String(metric)).toContain(`'${String(metric)}'`);
  });

  it('alarms when either dead-letter queue holds a message', () => {
    for (const name of ['Timer', 'Sweep', 'Checkin']) expect(alarmNamed(`${name}-DeadLetters`), name).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
  });

  it('sends every alarm, and its recovery, to the one SNS topic', () => {
    const [topic] = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'));
    for (const alarm of alarms) {
      expect(alarm.AlarmActions, String(alarm.AlarmName)).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions, String(alarm.AlarmName)).toEqual([{ Ref: topic }]);
    }
  });

  it('subscribes the ops address to the alarm topic when one is given', () => {
    customised.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('shows the same figures on one dashboard', () => {
    const [dashboard] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of ['NeedsAttention', 'OpenAttention', 'DueBacklogAgeSeconds', 'TimerWakeUps', 'CheckinFailed', 'CheckinUnconfirmed', 'FleetCheckinFailed', 'FleetParked', 'TerminalParked', 'ApproximateNumberOfMessagesVisible', '5xx', 'Errors', 'Throttles']) {
      expect(body, metric).toContain(metric);
    }
  });
});

describe('outputs', () => {
  it('tells ops the API URL, the Cognito ids, the vendor secret and the alarm topic', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      ['AlarmTopicArn', 'ApiUrl', 'DashboardName', 'NotifyUrl', 'OrderEventBusName', 'SecretsKeyArn', 'TableName', 'TerminalSecretPrefix', 'UserPoolClientId', 'UserPoolId', 'VendorSecretName'].sort(),
    );
  });
});
