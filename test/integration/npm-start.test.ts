import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Runs `npm start`'s entry point as a process on free ports, until it prints the HTTP endpoint. */
async function start(dataDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: root,
    env: {
      ...process.env, DATA_DIR: dataDir, PORT: '0', DYNAMODB_PORT: '0', KINESIS_PORT: '0', CHIME_PORT: '0',
      IOT_DATA_PORT: '0', MQTT_PORT: '0', SQS_PORT: '0', POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /HTTP API\s+(http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  const stopped = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { url, child, stopped, output: () => output };
}

describe('npm start', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('lists its endpoints, serves /health, stops cleanly on Ctrl-C and keeps its data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'telehealth-start-'));
    dirs.push(dataDir);
    const first = await start(dataDir);
    expect(first.output()).toMatch(/DynamoDB \(dynalite\)\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(first.output()).toMatch(/Kinesis \(kinesalite\)\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(first.output()).toMatch(/Chime SDK Meetings\s+http:\/\/127\.0\.0\.1:\d+/);
    const health = await fetch(`${first.url}/health`);
    expect(health.status).toBe(200);
    first.child.kill('SIGINT');
    expect(await first.stopped).toBe(0);
    expect(first.output()).toContain('stopped cleanly');

    const second = await start(dataDir);
    expect((await fetch(`${second.url}/health`)).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.stopped).toBe(0);
  });
});
