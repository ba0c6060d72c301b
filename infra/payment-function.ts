// "A payment Lambda": the one place that decides runtime, architecture, bundling, logs,
// tracing and environment for every function of the backend.
import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLING, NODE_OPTIONS, PROJECT_ROOT, entryOf } from './bundling.js';
import type { FunctionId, FunctionSpec } from './functions.js';

/** A current Node.js LTS; BUNDLING.target follows it. */
export const RUNTIME = Runtime.NODEJS_24_X;

const NODEJS_BUNDLING: BundlingOptions = {
  target: BUNDLING.target,
  format: OutputFormat.ESM,
  minify: BUNDLING.minify,
  sourceMap: BUNDLING.sourceMap,
  sourcesContent: BUNDLING.sourcesContent,
  mainFields: [...BUNDLING.mainFields],
  externalModules: [...BUNDLING.external],
  banner: BUNDLING.banner,
  esbuildArgs: { '--alias': `semver=${BUNDLING.alias.semver}` },
};

export interface PaymentFunctionProps {
  name: FunctionId;
  spec: FunctionSpec;
  /** The same for every function (lib/api/config.ts reads it); built once by the stack. */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** Only for a function that must know its own ARN before it exists. */
  functionName?: string;
  /** Concurrency held for this function alone, which is also its ceiling. */
  reservedConcurrency?: number;
}

export class PaymentFunction extends Construct {
  readonly function: NodejsFunction;
  /** Its own role, so each function holds exactly the grants of its FunctionSpec. */
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PaymentFunctionProps) {
    super(scope, id);
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `upay-backend ${props.name}`,
    });
    // Our own log group, so retention is ours; writing to it is the role's only log grant
    // (no AWSLambdaBasicExecutionRole, which may create any log group).
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.function = new NodejsFunction(this, 'Function', {
      entry: entryOf(props.name),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.spec.memoryMb,
      timeout: Duration.seconds(props.spec.timeoutSeconds),
      description: props.spec.description,
      environment: { ...props.environment, ...(NODE_OPTIONS.length > 0 ? { NODE_OPTIONS: NODE_OPTIONS.join(' ') } : {}) },
      bundling: NODEJS_BUNDLING,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role,
      ...(props.functionName ? { functionName: props.functionName } : {}),
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
    });

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions. Every other statement of this role names its resources (infra tests check it).',
    });
  }
}
