// The whole backend in one stack, environment-agnostic: synth needs no account, and the
// merchant's `cdk deploy` picks the account and region from its credentials.
import { Annotations, ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { Config } from '../lib/api/config.js';
import { HTTP_FUNCTIONS } from '../lib/api/routes.js';
import { PaymentApi } from './api.js';
import { Auth } from './auth.js';
import { FUNCTIONS, perFunction, type FunctionId } from './functions.js';
import { Keys } from './keys.js';
import { Ledger } from './ledger.js';
import { Monitoring } from './monitoring.js';
import { PaymentFunction } from './payment-function.js';
import { Schedules } from './schedules.js';
import { readSettings } from './settings.js';

/** Variables lib/api/config.ts reads; the type keeps their names honest. */
type Environment = Partial<Record<keyof Config, string>>;

export class UpayStack extends Stack {
  readonly functions: Record<FunctionId, PaymentFunction>;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = readSettings(this.node);

    const ledger = new Ledger(this, 'Ledger');
    const keys = new Keys(this, 'Keys', { secretPrefix: settings.secretPrefix, ...(settings.vendorSecretName ? { vendorSecretName: settings.vendorSecretName } : {}) });
    const auth = new Auth(this, 'Auth', settings.jwt ? { jwt: settings.jwt } : {});
    const api = new PaymentApi(this, 'Api', { throttle: settings.throttle, logRetention: settings.logRetention });

    // The one place every function's environment is set.
    const environment = {
      TABLE_NAME: ledger.table.tableName,
      UPAY_BASE_URL: settings.upayBaseUrl,
      SECRET_PREFIX: settings.secretPrefix,
      VENDOR_SECRET_ID: keys.vendorSecretName,
      BUSINESS_TIME_ZONE: settings.businessTimeZone,
      // Without the provider's key no callback could be verified, so none is asked for:
      // reconcile's polling finishes every order on its own (DEPLOY.md).
      ...(settings.upayPublicKeyPem ? { UPAY_PUBLIC_KEY_PEM: settings.upayPublicKeyPem, NOTIFY_URL: api.notifyUrl } : {}),
    } satisfies Environment;
    if (!settings.upayPublicKeyPem) {
      Annotations.of(this).addWarningV2(
        '@upay/no-callback-key',
        'No upayPublicKey given: Upay is asked for no callbacks, and reconcile alone finishes every order (a few seconds slower to see a QR payment). See DEPLOY.md, "Callbacks".',
      );
    }

    // The fleet check-in re-invokes itself by ARN; a fixed name lets its policy name that
    // ARN without referring to the function (which would be a circular dependency).
    const fleetFunctionName = `${this.stackName}-checkin-fleet`;
    this.functions = perFunction((name) => {
      const fn = new PaymentFunction(this, pascal(name), {
        name,
        spec: FUNCTIONS[name],
        environment,
        logRetention: settings.logRetention,
        ...(name === 'checkin-fleet' ? { functionName: fleetFunctionName } : {}),
      });
      ledger.grant(fn.role, FUNCTIONS[name].ledger);
      keys.grant(fn.role, FUNCTIONS[name].keys);
      return fn;
    });
    this.functions['checkin-fleet'].role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.formatArn({ service: 'lambda', resource: 'function', resourceName: fleetFunctionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );

    const lambdas = perFunction<IFunction>((name) => this.functions[name].function);
    api.addRoutes(pick(lambdas, HTTP_FUNCTIONS), auth.authorizer);

    const schedules = new Schedules(this, 'Schedules', { reconcile: lambdas.reconcile, checkinFleet: lambdas['checkin-fleet'], checkin: settings.checkin });

    const monitoring = new Monitoring(this, 'Monitoring', {
      functions: lambdas,
      api: api.httpApi,
      deadLetterQueues: { Reconcile: schedules.reconcileDlq, Checkin: schedules.checkinDlq },
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the HTTP API' });
    if (settings.upayPublicKeyPem) new CfnOutput(this, 'NotifyUrl', { value: api.notifyUrl, description: 'The callback route given to Upay with every payment' });
    new CfnOutput(this, 'TableName', { value: ledger.table.tableName });
    new CfnOutput(this, 'VendorSecretName', { value: keys.vendorSecretName, description: 'Put {"vendor_sn","vendor_key","app_id"} here' });
    new CfnOutput(this, 'TerminalSecretPrefix', { value: `${settings.secretPrefix}/terminals/` });
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.topic.topicArn, description: 'Subscribe ops to this topic' });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
    if (auth.userPool && auth.client) {
      new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: auth.client.userPoolClientId });
    }
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}

function pick<K extends string, V>(record: Record<string, V>, keys: readonly K[]): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, record[key] as V])) as Record<K, V>;
}
