import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../bin/app.js';

/** The whole app as `cdk synth` builds it, without esbuild bundling (the tests read templates, not code). */
export function synthApp(context: Record<string, unknown> = {}) {
  const built = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }));
  return {
    ...built,
    stateful: Template.fromStack(built.stateful),
    stateless: Template.fromStack(built.stateless),
  };
}
