// The HTTP API for the apps: one route per entry of lib/api/routes.ts, each to its
// function, the JWT authorizer on every route that asks for it, stage-wide throttling, the
// provider callback's own throttle, JSON access logs, and optionally a custom domain.
import { Validations } from 'aws-cdk-lib';
import type { CfnStage} from 'aws-cdk-lib/aws-apigatewayv2';
import { DomainName, HttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, routeKey, type FunctionName } from '../lib/api/routes.js';

export interface PaymentApiProps {
  throttle: { rateLimit: number; burstLimit: number };
  /** For the provider's callback route: its traffic follows payments, not the apps. */
  callbackThrottle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
  domain?: { name: string; certificateArn: string };
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
  readonly accessLogs: LogGroup;
  private readonly stage: HttpStage;
  private readonly callbackThrottle: PaymentApiProps['callbackThrottle'];
  private readonly domainName: string | undefined;

  constructor(scope: Construct, id: string, props: PaymentApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Upay payment backend',
      // Our own $default stage below: the generated one takes neither throttling nor logs.
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.callbackThrottle = props.callbackThrottle;
    const domainName = props.domain
      ? new DomainName(this, 'DomainName', { domainName: props.domain.name, certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn) })
      : undefined;
    this.domainName = props.domain?.name;
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });
  }

  /** Where the apps and the provider call us (no trailing slash): the custom domain when there is one. */
  get url(): string {
    return this.domainName ? `https://${this.domainName}` : this.httpApi.apiEndpoint;
  }

  /** The provider's callback route, given to it with every pay and precreate. */
  get notifyUrl(): string {
    const notify = ROUTES.find((route) => route.function === 'notify');
    if (!notify) throw new Error('lib/api/routes.ts has no route for notify');
    return `${this.url}${notify.path}`;
  }

  /**
   * Adds every route of the table whose function exists (a function left out, such as notify
   * without the provider's key, has no route); each function gets one integration.
   */
  addRoutes(functions: Partial<Record<FunctionName, IFunction>>, authorizer: IHttpRouteAuthorizer): void {
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      const fn = functions[route.function];
      if (!fn) continue;
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.function}-integration`, fn);
        integrations.set(route.function, integration);
      }
      const [added] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: route.jwt ? authorizer : new HttpNoneAuthorizer(),
      });
      if (!route.jwt && added) {
        // Route settings name the route by key; the stage must come after the route.
        (this.stage.node.defaultChild as CfnStage).addPropertyOverride(`RouteSettings.${routeKey(route)}`, {
          ThrottlingRateLimit: this.callbackThrottle.rateLimit,
          ThrottlingBurstLimit: this.callbackThrottle.burstLimit,
        });
        this.stage.node.addDependency(added);
        Validations.of(added).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is Upay's callback: the provider cannot present our JWT. The function accepts only bodies whose RSA signature verifies with the provider's public key, and even then only re-queries the order from Upay.`,
        });
      }
    }
  }
}
