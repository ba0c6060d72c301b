// Keys in Secrets Manager (architecture §4): the vendor secret, and one secret per terminal
// under `<prefix>/terminals/`, created at run time by activation. Grants follow the KeyStore
// calls each function makes, so only activation and check-in can write (invariant 5).
// Every secret is encrypted with the merchant's own KMS key, whose policy lets only the
// functions that sign, rotate or activate use it, plus a tagged break-glass role.
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccountRootPrincipal, ArnPrincipal, PolicyDocument, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { CfnSecret} from 'aws-cdk-lib/aws-secretsmanager';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { KeyAccess } from './functions.js';

export interface KeysProps {
  secretPrefix: string;
  /** Use this existing secret rather than create `<prefix>/vendor`. */
  vendorSecretName?: string;
  /** Replicate the vendor secret there (terminal secrets are replicated by the key store). */
  replicaRegion?: string;
}

/** The principal tag that makes an IAM role a break-glass reader of the keys (DEPLOY.md §11). */
export const BREAK_GLASS_TAG = 'upay-break-glass';

// Key administration without use: the account (through IAM) keeps the key manageable, so
// it can never be locked out, but no IAM policy alone can decrypt a secret with it: no grants
// (kms:Create* would allow kms:CreateGrant); changing the key policy itself stays possible for
// whoever IAM allows kms:PutKeyPolicy, and shows in CloudTrail.
const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*',
  'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:ReplicateKey',
];

/** What Secrets Manager asks KMS for on behalf of each kind of caller. */
export const KEY_USE_ACTIONS: Record<KeyAccess, readonly string[]> = {
  sign: ['kms:Decrypt'],
  rotate: ['kms:Decrypt', 'kms:GenerateDataKey'],
  activate: ['kms:Decrypt', 'kms:GenerateDataKey'],
  age: [],
  fleet: ['kms:Decrypt', 'kms:GenerateDataKey'],
  none: [],
};

export const TERMINAL_KEY_ACTIONS: Record<KeyAccess, readonly string[]> = {
  sign: ['secretsmanager:GetSecretValue'],
  rotate: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
  activate: ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue'],
  age: ['secretsmanager:ListSecretVersionIds'],
  fleet: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:RemoveRegionsFromReplication', 'secretsmanager:DeleteSecret'],
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
  /** The merchant's key for every secret of the stack, also those created at run time. */
  readonly key: Key;
  private readonly replicaRegion: string | undefined;

  constructor(scope: Construct, id: string, props: KeysProps) {
    super(scope, id);
    this.secretPrefix = props.secretPrefix;
    this.replicaRegion = props.replicaRegion;
    const stack = Stack.of(this);
    const viaSecretsManager = { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } };
    this.key = new Key(this, 'SecretsKey', {
      description: `Upay backend secrets (${props.secretPrefix}/*): vendor credentials and terminal keys`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      // Multi-Region from the start: replicating secrets later must not replace the key
      // (which would leave every secret encrypted with a key that is gone).
      multiRegion: true,
      // Secrets encrypted with it outlive the stack (they are retained), so it does too.
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({ sid: 'KeyAdministration', principals: [new AccountRootPrincipal()], actions: KEY_ADMIN_ACTIONS, resources: ['*'] }),
          new PolicyStatement({
            sid: 'BreakGlass',
            principals: [new AccountRootPrincipal()],
            actions: ['kms:Decrypt', 'kms:DescribeKey'],
            resources: ['*'],
            conditions: { ...viaSecretsManager, StringEqualsIgnoreCase: { [`aws:PrincipalTag/${BREAK_GLASS_TAG}`]: 'true' } },
          }),
        ],
      }),
    });
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
        ...(props.replicaRegion ? { replicaRegions: [{ region: props.replicaRegion, encryptionKey: Key.fromKeyArn(this, 'ReplicaKey', this.replicaKeyArn(props.replicaRegion)) }] } : {}),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // Set on the resource, not as `encryptionKey`: that would also grant the whole account
      // (through IAM) use of the key via Secrets Manager, which is what its policy must not do.
      (secret.node.defaultChild as CfnSecret).kmsKeyId = this.key.keyArn;
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
    this.allowKeyUse(role, access);
    if (this.replicaRegion && (access === 'activate' || access === 'rotate' || access === 'fleet')) {
      // Creating a secret with replicas, or storing a new version of one, encrypts the copy
      // in the replica region with the key's replica there (its policy defers to IAM).
      if (access === 'activate') role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:ReplicateSecretToRegions'], resources: [this.terminalSecretsArn] }));
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt'], resources: [this.replicaKeyArn(this.replicaRegion)] }));
    }
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${this.secretPrefix}/terminals/*]`,
      reason: 'One secret per terminal, named <prefix>/terminals/<terminal_sn> and created at run time by activation, so no name is known at deploy time. The wildcard stays under terminals/: the vendor secret is out of its reach.',
    });
  }

  /** In the key's policy, by role ARN, and only through Secrets Manager. */
  private allowKeyUse(role: IRole, access: KeyAccess): void {
    const actions = KEY_USE_ACTIONS[access];
    if (actions.length === 0) return;
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: `Use${stack.resolve(role.node.path).replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 100),
        principals: [new ArnPrincipal(role.roleArn)],
        actions: [...actions],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
  }

  /** The replica of the multi-Region key in another region: same key id, that region's ARN. */
  replicaKeyArn(region: string): string {
    return Stack.of(this).formatArn({ service: 'kms', region, resource: 'key', resourceName: this.key.keyId });
  }

  private secretArn(resourceName: string): string {
    return Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}
