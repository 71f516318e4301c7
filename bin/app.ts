import { App, CloudFormationValidatePlugin, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { readConfig } from '../lib/config.js';
import { StatefulStack } from '../lib/stateful-stack.js';
import { StatelessStack } from '../lib/stateless-stack.js';

/** Builds both stacks from the context configuration, with the security checks on. Used by the CLI and the tests. */
export function buildApp(app: App = new App()): { app: App; stateful: StatefulStack; stateless: StatelessStack } {
  const config = readConfig(app.node);
  // Region-specific stacks: customer-key encrypted global tables cannot be rendered region-agnostic.
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: config.region };
  const stateful = new StatefulStack(app, `Telehealth-${config.stage}-Stateful`, {
    env,
    config,
    terminationProtection: config.removalPolicy !== 'destroy',
    description: 'Telehealth records: KMS key, tables, telemetry stream, backups (retained)',
  });
  const stateless = new StatelessStack(app, `Telehealth-${config.stage}-Api`, {
    env,
    config,
    records: stateful.records,
    description: 'Telehealth API, functions and user pool',
  });
  stateless.addStackDependency(stateful);
  Tags.of(app).add('project', 'telehealth');
  Tags.of(app).add('stage', config.stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app), new CloudFormationValidatePlugin());
  return { app, stateful, stateless };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
