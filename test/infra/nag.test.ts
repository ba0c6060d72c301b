import { generateKeyPairSync } from 'node:crypto';
import { App, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { UpayStack } from '../../infra/stack.js';
import { FUNCTIONS, FUNCTION_IDS } from '../../infra/functions.js';
import { synthStack } from './stack-fixture.js';

const CUSTOMISED = {
  jwtIssuer: 'https://login.example.com/',
  jwtAudience: 'pos-app',
  vendorSecretName: 'acme/upay-vendor',
  secretPrefix: 'acme',
  upayPublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  alarmEmail: 'ops@example.com',
};

const findings = (pack: AwsSolutionsChecks, scope: IConstruct) =>
  pack.validateScope(scope).violations.flatMap((violation) => violation.violatingResources.map((resource) => ({ rule: violation.ruleName, path: resource.constructPath ?? '' })));

/** The same rules, blind to acknowledgements: what the stack would be flagged for without them. */
class RawAwsSolutionsChecks extends AwsSolutionsChecks {
  constructor() {
    super();
    // cdk-nag 3 consults this (private) method for every finding.
    Object.defineProperty(this, 'isAcknowledged', { value: () => false });
  }
}

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

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the stack as deployed by default', () => {
    expect(findings(new AwsSolutionsChecks(), standard.app)).toEqual([]);
  });

  it('finds nothing unacknowledged with an external issuer, an imported vendor secret, another prefix and a callback key', () => {
    expect(findings(new AwsSolutionsChecks(), customised.app)).toEqual([]);
  });

  it('acknowledges only findings the rules really raise, on the construct that raises them', () => {
    for (const { app } of [standard, customised]) {
      const raw = findings(new RawAwsSolutionsChecks(), app);
      for (const acknowledgement of acknowledgementsIn(app)) {
        const matching = raw.filter((finding) => finding.rule === acknowledgement.id && finding.path.startsWith(`${acknowledgement.path}/`));
        expect(matching, `${acknowledgement.id} at ${acknowledgement.path}`).not.toEqual([]);
      }
    }
  });

  it('acknowledges exactly the reviewed findings, each with its reason', () => {
    const acknowledgements = acknowledgementsIn(standard.app);
    for (const { id, reason } of acknowledgements) expect(reason.length, id).toBeGreaterThan(60);
    const counts: Record<string, number> = {};
    for (const { id } of acknowledgements) {
      const kind = id.replace(/<[A-Za-z0-9]+\.Arn>/, '<function.Arn>');
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    expect(counts).toEqual({
      // Per function role: X-Ray; and the terminal-secret prefix, per function that touches a key.
      'AwsSolutions-IAM5[Resource::*]': FUNCTION_IDS.length,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:upay/terminals/*]': FUNCTION_IDS.filter((id) => FUNCTIONS[id].keys !== 'none').length,
      // Per schedule role: CDK's grantInvoke adds the version qualifier wildcard.
      'AwsSolutions-IAM5[Resource::<function.Arn>:*]': 2,
      'AwsSolutions-APIG4': 1,
      'AwsSolutions-COG2': 1,
      'AwsSolutions-COG8': 1,
      'AwsSolutions-SMG4': 1,
      'AwsSolutions-SQS3': 2,
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
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      return () => app.synth();
    };
    expect(synth(false)).not.toThrow();
    expect(synth(true)).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });
});
