// Keys in Secrets Manager (architecture §4): the vendor secret, and one secret per terminal
// under `<prefix>/terminals/`, created at run time by activation. Grants follow the KeyStore
// calls each function makes, so only activation and check-in can write (invariant 5).
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { KeyAccess } from './functions.js';

export interface KeysProps {
  secretPrefix: string;
  /** Use this existing secret rather than create `<prefix>/vendor`. */
  vendorSecretName?: string;
}

export const TERMINAL_KEY_ACTIONS: Record<KeyAccess, readonly string[]> = {
  sign: ['secretsmanager:GetSecretValue'],
  rotate: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
  activate: ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue'],
  age: ['secretsmanager:ListSecretVersionIds'],
  retire: ['secretsmanager:DeleteSecret'],
  none: [],
};

export class Keys extends Construct {
  /** What functions are told to read (VENDOR_SECRET_ID): a name, so ops can find it. */
  readonly vendorSecretName: string;
  /** The vendor secret's ARN as IAM sees it. */
  private readonly vendorSecretArn: string;
  /** Every terminal secret, present and future: their names are only known at run time. */
  private readonly terminalSecretsArn: string;
  private readonly secretPrefix: string;

  constructor(scope: Construct, id: string, props: KeysProps) {
    super(scope, id);
    this.secretPrefix = props.secretPrefix;
    if (props.vendorSecretName) {
      this.vendorSecretName = props.vendorSecretName;
      // Secrets Manager appends "-" and six random characters to every secret's ARN.
      this.vendorSecretArn = this.secretArn(`${props.vendorSecretName}-??????`);
    } else {
      this.vendorSecretName = `${props.secretPrefix}/vendor`;
      const secret = new Secret(this, 'VendorSecret', {
        secretName: this.vendorSecretName,
        description: 'Upay vendor credentials {"vendor_sn","vendor_key","app_id"}: put them in after the first deploy (DEPLOY.md)',
        // An empty object, not a generated password: the functions refuse it as "no
        // vendor credentials" until ops put the real ones in.
        secretObjectValue: {},
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The vendor key is issued by Upay and can only be replaced by Upay; there is nothing a rotation Lambda could rotate it to. Ops put a new one in when Upay issues it.',
      });
      this.vendorSecretArn = secret.secretArn;
    }
    this.terminalSecretsArn = this.secretArn(`${props.secretPrefix}/terminals/*`);
  }

  /** Grants on the role's own policy, and names the one wildcard cdk-nag reports for it. */
  grant(role: IRole, access: KeyAccess): void {
    if (TERMINAL_KEY_ACTIONS[access].length === 0) return;
    role.addToPrincipalPolicy(new PolicyStatement({ actions: [...TERMINAL_KEY_ACTIONS[access]], resources: [this.terminalSecretsArn] }));
    if (access === 'activate') {
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.vendorSecretArn] }));
    }
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${this.secretPrefix}/terminals/*]`,
      reason: 'One secret per terminal, named <prefix>/terminals/<terminal_sn> and created at run time by activation, so no name is known at deploy time. The wildcard stays under terminals/: the vendor secret is out of its reach.',
    });
  }

  private secretArn(resourceName: string): string {
    return Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}
