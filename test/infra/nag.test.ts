import { generateKeyPairSync } from 'node:crypto';
import { App, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { UpayStack } from '../../infra/stack.js';
import { FUNCTIONS, FUNCTION_IDS } from '../../infra/functions.js';
import { CALLBACK_CONTEXT, synthStack } from './stack-fixture.js';

const CUSTOMISED = {
  jwtIssuer: 'https://login.example.com/',
  jwtAudience: 'pos-app',
  vendorSecretName: 'acme/upay-vendor',
  secretPrefix: 'acme',
  upayPublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  alarmEmail: 'ops@example.com',
};

const findings = (packs: NagPack[], scope: IConstruct) =>
  packs.flatMap((pack) => pack.validateScope(scope).violations.flatMap((violation) => violation.violatingResources.map((resource) => ({ rule: violation.ruleName, path: resource.constructPath ?? '' }))));

/** Both packs the stack is held to. */
const checks = (): NagPack[] => [new AwsSolutionsChecks(), new ServerlessChecks()];

/** The same rules, blind to acknowledgements: what the stack would be flagged for without them. */
const rawChecks = (): NagPack[] =>
  checks().map((pack) => {
    // cdk-nag 3 consults this (private) method for every finding.
    Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
    return pack;
  });

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

function acknowledgementsIn(scope: IConstruct): Acknowledgement[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason }))),
  );
}

const standard = synthStack();
const customised = synthStack(CUSTOMISED);
const withCallbacks = synthStack(CALLBACK_CONTEXT);

describe('cdk-nag AwsSolutions and Serverless', () => {
  it('finds nothing unacknowledged in the stack as deployed by default', () => {
    expect(findings(checks(), standard.app)).toEqual([]);
  });

  it('finds nothing unacknowledged with an external issuer, an imported vendor secret, another prefix and a callback key', () => {
    expect(findings(checks(), customised.app)).toEqual([]);
  });

  it('finds the raw findings it acknowledges: without acknowledgements, both packs flag the stack', () => {
    const rules = new Set(findings(rawChecks(), standard.app).map((finding) => finding.rule));
    for (const rule of ['Serverless-LambdaDLQ', 'Serverless-SQSRedrivePolicy', 'Serverless-LambdaAsyncFailureDestination', 'AwsSolutions-SQS3', 'AwsSolutions-IAM5[Resource::*]']) expect(rules, rule).toContain(rule);
  });

  it('acknowledges only findings the rules really raise, on the construct that raises them', () => {
    for (const { app } of [standard, customised, withCallbacks]) {
      const raw = findings(rawChecks(), app);
      for (const acknowledgement of acknowledgementsIn(app)) {
        const matching = raw.filter((finding) => finding.rule === acknowledgement.id && finding.path.startsWith(`${acknowledgement.path}/`));
        expect(matching, `${acknowledgement.id} at ${acknowledgement.path}`).not.toEqual([]);
      }
    }
  });

  it('acknowledges exactly the reviewed findings, each with its reason', () => {
    const acknowledgements = acknowledgementsIn(withCallbacks.app);
    for (const { id, reason } of acknowledgements) expect(reason.length, id).toBeGreaterThan(60);
    const counts: Record<string, number> = {};
    for (const { id } of acknowledgements) {
      const kind = id.replace(/<[A-Za-z0-9]+\.Arn>/, '<function.Arn>');
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    expect(counts).toEqual({
      // Per function role (notify and order-events included): X-Ray; the pipe's ListStreams; and the
      // totals consumer's role again, for its event source's ListStreams.
      'AwsSolutions-IAM5[Resource::*]': FUNCTION_IDS.length + 2,
      // Per function role that touches terminal keys.
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:upay/terminals/*]': FUNCTION_IDS.filter((id) => FUNCTIONS[id].keys !== 'none').length,
      // Per schedule role: CDK's grantInvoke adds the version qualifier wildcard.
      'AwsSolutions-IAM5[Resource::<function.Arn>:*]': 2,
      'AwsSolutions-APIG4': 1,
      'AwsSolutions-COG2': 1,
      'AwsSolutions-COG8': 1,
      'AwsSolutions-SMG4': 1,
      // The dead-letter queues: the sweep and check-in schedules', the order-events pipe's, the
      // totals consumer's, and the step timer's (which cdk-nag's SQS3 already recognises as a redrive target).
      'AwsSolutions-SQS3': 4,
      'Serverless-SQSRedrivePolicy': 5,
      // Per function: none is invoked asynchronously without somewhere for its failures to go.
      'Serverless-LambdaDLQ': FUNCTION_IDS.length,
      'Serverless-LambdaAsyncFailureDestination': 1,
      // The step timer's worker: an SQS event source fails over to its queue's dead-letter queue.
      'Serverless-LambdaEventSourceMappingDestination': 1,
    });
  });

  it('runs as a CDK validation plugin: synth passes for the stack, and fails on an unacknowledged finding', () => {
    const synth = (addFinding: boolean) => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
      const stack = new UpayStack(app, 'UpayBackend');
      if (addFinding) {
        const role = new Role(stack, 'Careless', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
        role.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }));
      }
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      return () => app.synth();
    };
    expect(synth(false)).not.toThrow();
    expect(synth(true)).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });
});
