// Builds the stack as `cdk deploy` would, minus bundling (the assets are placeholders) and
// minus the built-in CloudFormation schema check (seconds per synth; `cdk synth` runs it),
// with the context of cdk.json (its pinned feature flags) under the test's own.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { UpayStack } from '../../infra/stack.js';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import type { FunctionId } from '../../infra/functions.js';
import type { PaymentFunction } from '../../infra/payment-function.js';

export interface Fixture {
  app: App;
  stack: UpayStack;
  template: Template;
  /** The logical id CloudFormation knows a construct's resource by. */
  logicalId(construct: IConstruct): string;
  functionLogicalId(name: FunctionId): string;
  /** The function, which the test expects to exist in this stack. */
  fn(name: FunctionId): PaymentFunction;
}

/** What `cdk synth` reads from cdk.json: the feature flags and settings every deploy uses. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

export function synthStack(context: Record<string, unknown> = {}): Fixture {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }, builtinCloudFormationValidation: false });
  const stack = new UpayStack(app, 'UpayBackend');
  const template = Template.fromStack(stack);
  const logicalId = (construct: IConstruct) => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return Stack.of(construct).resolve(element.logicalId) as string;
  };
  const fn = (name: FunctionId) => {
    const found = stack.functions[name];
    if (!found) throw new Error(`the stack has no ${name} function`);
    return found;
  };
  return { app, stack, template, logicalId, fn, functionLogicalId: (name) => logicalId(fn(name).function) };
}

export type Json = Record<string, unknown>;

/** A provider public key, as a merchant who takes callbacks configures it. */
export const PROVIDER_PUBLIC_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
/** The context under which every function exists (notify needs the provider's key). */
export const CALLBACK_CONTEXT = { upayPublicKey: PROVIDER_PUBLIC_KEY };

/** Every resource of a type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Json } & Json> {
  return template.findResources(type) as Record<string, { Properties: Json } & Json>;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
