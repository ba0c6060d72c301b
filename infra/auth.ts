// Who may call the API. By default a Cognito user pool of the merchant's staff: each user
// carries `custom:store_id` and is in the `admin` or `cashier` group, and the apps send the
// ID token, which holds both claims (`cognito:groups` for the group; lib/api/auth.ts reads
// them). A merchant with an identity provider of its own passes its issuer and audience
// instead; its tokens must carry the same claims.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { AccountRecovery, FeaturePlan, Mfa, StringAttribute, UserPool, type IUserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { STORE_CLAIM, type Role } from '../lib/api/auth.js';
import type { JwtIssuer } from './settings.js';

export interface AuthProps {
  /** An external issuer; without it the user pool below is created. */
  jwt?: JwtIssuer;
  /** Recovery: an existing pool (kept from an earlier stack) gets the app client instead. */
  userPoolId?: string;
  /** Lets the app client sign in with USER_PASSWORD_AUTH (the password travels to Cognito). */
  allowPasswordAuth?: boolean;
}

// Precedence follows the order: a user in both groups is an admin (lib/api/auth.ts agrees).
const ROLES: Record<Role, string> = {
  admin: 'Activates and checks in terminals, revokes and cancels payments; and all a cashier may do',
  cashier: 'Pays, precreates, queries and refunds within its store',
  ops: 'Reads the worklist, records and terminals of every store and resolves cases; pays, refunds, revokes and activates nothing',
};
const STORE_ATTRIBUTE = STORE_CLAIM.replace(/^custom:/, '');

export class Auth extends Construct {
  readonly authorizer: IHttpRouteAuthorizer;
  readonly userPool?: IUserPool;
  readonly client?: UserPoolClient;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    if (props.jwt) {
      this.authorizer = new HttpJwtAuthorizer('Jwt', props.jwt.issuer, { jwtAudience: props.jwt.audience });
      return;
    }

    const userPool = props.userPoolId ? UserPool.fromUserPoolId(this, 'UserPool', props.userPoolId) : this.createUserPool();
    const client = userPool.addClient('AppClient', {
      // Mobile apps and the CLI cannot keep a client secret.
      generateSecret: false,
      // SRP keeps the password on the device; the password flow is for a merchant who asks.
      // The admin flow needs AWS credentials allowed cognito-idp:AdminInitiateAuth: for ops'
      // shells and scripts, never for an app.
      authFlows: { userSrp: true, adminUserPassword: true, userPassword: props.allowPasswordAuth ?? false },
      // No hosted UI: without this, CDK enables the implicit grant to https://example.com.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    this.userPool = userPool;
    this.client = client;
    this.authorizer = new HttpUserPoolAuthorizer('Cognito', userPool, { userPoolClients: [client] });
  }

  private createUserPool(): UserPool {
    const userPool = new UserPool(this, 'UserPool', {
      // Staff accounts are made by an admin (DEPLOY.md), never by whoever finds the app.
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      // Fixed at creation: a user moved to another store is a new user, so a token can
      // never come to speak for a store its user was not created for.
      customAttributes: { [STORE_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: false }) },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // No e-mail or SMS is set up: a forgotten password is reset by an admin.
      accountRecovery: AccountRecovery.NONE,
      featurePlan: FeaturePlan.LITE,
      // The staff accounts: neither a stack deletion nor a console click removes them.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Kept with the pool (deleting a group drops its members), so an adopted pool already has them.
    Object.entries(ROLES).forEach(([role, description], precedence) => userPool.addGroup(role, { groupName: role, precedence, description }).applyRemovalPolicy(RemovalPolicy.RETAIN));

    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: 'MFA is optional (TOTP) so admins can enrol it; requiring it pool-wide would also require it of shared till logins on cashier devices. Accounts are admin-created only and passwords are 12+ characters of four classes.',
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: 'The Plus plan (threat protection) is billed per monthly active user without a free tier; a merchant\'s staff pool is small, admin-created and without self sign-up. The Lite plan has every feature this API uses.',
    });
    return userPool;
  }
}
