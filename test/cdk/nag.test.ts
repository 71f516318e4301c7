import { App, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../bin/app.js';

const outdir = () => mkdtempSync(join(tmpdir(), 'cdk-out-'));

describe('security checks (cdk-nag AwsSolutions + HIPAA Security)', () => {
  it('pass on the whole app: every finding is fixed or acknowledged with a reason', () => {
    const { app } = buildApp(new App({ outdir: outdir(), context: { 'aws:cdk:bundling-stacks': [] } }));
    expect(() => app.synth()).not.toThrow();
  });

  it('fail the synth on an unacknowledged finding', () => {
    const app = new App({ outdir: outdir() });
    const stack = new Stack(app, 'Careless');
    new Table(stack, 'Plain', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
    expect(() => app.synth()).toThrow();
  });
});
