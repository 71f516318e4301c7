// `npm run token -- --role clinician --sub <userId> [--ttl 3600]`: prints a signed local token and nothing else on stdout.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isRole, ROLES } from '../lambdas/api/roles.js';
import { localDataDir } from './paths.js';
import { openLocalIssuer } from './token.js';

const { values } = parseArgs({
  options: { role: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string', default: '3600' } },
});
if (!values.role || !isRole(values.role)) {
  process.stderr.write(`usage: npm run token -- --role <${ROLES.join('|')}> [--sub <userId>] [--ttl <seconds>]\n`);
  process.exit(2);
}
const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 7 * 24 * 3600) {
  process.stderr.write('--ttl must be a whole number of seconds between 1 and 604800\n');
  process.exit(2);
}
const sub = values.sub ?? randomUUID();
if (!values.sub) process.stderr.write(`no --sub given: using ${sub}\n`);
const issuer = await openLocalIssuer(localDataDir().issuer);
process.stdout.write(`${await issuer.issue({ sub, role: values.role, ttlSeconds })}\n`);
