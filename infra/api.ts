// The HTTP API for the apps: one route per entry of lib/api/routes.ts, each to its
// function, the JWT authorizer on every route that asks for it, stage-wide throttling and
// JSON access logs.
import { Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, routeKey, type FunctionName } from '../lib/api/routes.js';

export interface PaymentApiProps {
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
}

// Who called what and how it went; never a header or a body (tokens, amounts).
const ACCESS_LOG = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    subject: '$context.authorizer.claims.sub',
  }),
);

export class PaymentApi extends Construct {
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: PaymentApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Upay payment backend',
      // Our own $default stage below: the generated one takes neither throttling nor logs.
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG },
    });
  }

  /** Where the apps and the provider call us (no trailing slash). */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  /** The provider's callback route, given to it with every pay and precreate. */
  get notifyUrl(): string {
    const notify = ROUTES.find((route) => route.function === 'notify');
    if (!notify) throw new Error('lib/api/routes.ts has no route for notify');
    return `${this.url}${notify.path}`;
  }

  /** Adds every route of the table; each function gets one integration, whatever its routes. */
  addRoutes(functions: Record<FunctionName, IFunction>, authorizer: IHttpRouteAuthorizer): void {
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.function}-integration`, functions[route.function]);
        integrations.set(route.function, integration);
      }
      const [added] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: route.jwt ? authorizer : new HttpNoneAuthorizer(),
      });
      if (!route.jwt && added) {
        Validations.of(added).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is Upay's callback: the provider cannot present our JWT. The function accepts only bodies whose RSA signature verifies with the provider's public key, and even then only re-queries the order from Upay.`,
        });
      }
    }
  }
}
