import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';

const node = (context: Record<string, unknown>) => ({ tryGetContext: (key: string) => context[key] });

describe('readConfig', () => {
  it('applies safe defaults', () => {
    const config = readConfig(node({}));
    expect(config).toMatchObject({ stage: 'dev', removalPolicy: RemovalPolicy.RETAIN, endpointType: 'regional', logRetention: 365, chimeMediaRegion: 'us-east-1' });
  });

  it('reads lists from -c strings and JSON', () => {
    expect(readConfig(node({ allowedOrigins: 'https://a.example.org,https://b.example.org' })).allowedOrigins).toEqual(['https://a.example.org', 'https://b.example.org']);
    expect(readConfig(node({ allowedOrigins: ['https://a.example.org'] })).allowedOrigins).toEqual(['https://a.example.org']);
  });

  it.each([
    [{ stage: 'Prod!' }, /stage/],
    [{ allowedOrigins: 'not a url' }, /allowedOrigins/],
    [{ logRetentionDays: 42 }, /logRetentionDays/],
    [{ chimeMediaRegion: 'mars-north-1' }, /chimeMediaRegion/],
    [{ throttleRateLimit: -1 }, /throttle/],
  ])('rejects %o with the key in the message', (context, message) => {
    expect(() => readConfig(node(context))).toThrow(message);
  });
});
