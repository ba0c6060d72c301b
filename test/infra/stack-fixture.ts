// Builds the stack as `cdk deploy` would, minus bundling (the assets are placeholders) and
// minus the built-in CloudFormation schema check (seconds per synth; `cdk synth` runs it).
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { UpayStack } from '../../infra/stack.js';
import type { FunctionId } from '../../infra/functions.js';

export interface Fixture {
  app: App;
  stack: UpayStack;
  template: Template;
  /** The logical id CloudFormation knows a construct's resource by. */
  logicalId(construct: IConstruct): string;
  functionLogicalId(name: FunctionId): string;
}

export function synthStack(context: Record<string, unknown> = {}): Fixture {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context }, builtinCloudFormationValidation: false });
  const stack = new UpayStack(app, 'UpayBackend');
  const template = Template.fromStack(stack);
  const logicalId = (construct: IConstruct) => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return Stack.of(construct).resolve(element.logicalId) as string;
  };
  return { app, stack, template, logicalId, functionLogicalId: (name) => logicalId(stack.functions[name].function) };
}

export type Json = Record<string, unknown>;

/** Every resource of a type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Json } & Json> {
  return template.findResources(type) as Record<string, { Properties: Json } & Json>;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
