// "A payment Lambda": the one place that decides runtime, architecture, bundling, logs,
// tracing and environment for every function of the backend.
import { AssetHashType, Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NODE_OPTIONS, PROJECT_ROOT } from './bundling.js';
import { buildFunction } from './esbuild-build.js';
import type { FunctionId, FunctionSpec } from './functions.js';

/** A current Node.js LTS; BUNDLING.target follows it. */
export const RUNTIME = Runtime.NODEJS_24_X;

/**
 * The function's code: infra/esbuild-build.ts run locally into the asset's directory, a
 * directory because the bundle is split (the handler module and the chunks it imports on
 * demand), which NodejsFunction's single output file cannot be. Hashed by what was built.
 */
function bundledCode(name: FunctionId): Code {
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: RUNTIME.bundlingImage,
      // CDK stages one asset for all assets of equal source and bundling options, and a local
      // bundler's function is no option it can see: the entry keeps each function's build its own.
      environment: { FUNCTION_ENTRY: `functions/${name}.ts` },
      local: {
        tryBundle(outputDir: string): boolean {
          buildFunction(name, outputDir);
          return true;
        },
      },
    },
  });
}

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
  readonly function: LambdaFunction;
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

    this.function = new LambdaFunction(this, 'Function', {
      code: bundledCode(props.name),
      handler: 'index.handler', // ENTRY_FILE's export
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.spec.memoryMb,
      timeout: Duration.seconds(props.spec.timeoutSeconds),
      description: props.spec.description,
      environment: { ...props.environment, ...(NODE_OPTIONS.length > 0 ? { NODE_OPTIONS: NODE_OPTIONS.join(' ') } : {}) },
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
