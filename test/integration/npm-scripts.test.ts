import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestStack } from '../helpers/local-stack.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

/** The README's commands as a newcomer types them, through npm. */
describe('npm scripts against a local stack', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.dispose());

  it('npm run token prints a signed JWT and nothing else on stdout, which the stack accepts', async () => {
    const { stdout } = await run('npm', ['run', 'token', '--', '--role', 'therapist', '--sub', 'user-42'], { cwd: root, env: { ...process.env, DATA_DIR: stack.dataDir } });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const me = await apiClient(stack).call('GET', '/me', { token: stdout.trim() });
    expect(me.body).toMatchObject({ userId: 'user-42', role: 'therapist' });
  });

  it('npm run seed builds the demo network through the API, prints a token per role, and a re-run duplicates nothing', async () => {
    const env = { ...process.env, DATA_DIR: stack.dataDir, API_URL: stack.endpoints.http };
    const first = await run('npm', ['run', 'seed'], { cwd: root, env });
    for (const role of ['ADMIN', 'CLINICIAN', 'THERAPIST', 'PATIENT']) expect(first.stdout).toMatch(new RegExp(`export ${role}_TOKEN=[\\w-]+\\.[\\w-]+\\.[\\w-]+`));
    const admin = /export ADMIN_TOKEN=(\S+)/.exec(first.stdout)![1]!;
    const api = apiClient(stack);
    const facilities = await api.call('GET', '/facilities', { token: admin });
    expect(facilities.status).toBe(200);
    expect(facilities.body.items).toHaveLength(3);

    await run('npm', ['run', 'seed'], { cwd: root, env });
    expect((await api.call('GET', '/facilities', { token: admin })).body.items).toHaveLength(3);
  });
});
