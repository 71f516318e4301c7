import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRole, type Role } from '../lambdas/api/roles.js';
import { readFileIfExists, writeFileAtomically } from './files.js';

/**
 * The local stand-in for Cognito: signs ID tokens with the claims a Cognito user pool puts in them
 * (`sub`, `cognito:groups`, `token_use`, `aud`, `iss`), so the front can verify them as the Cognito
 * authorizer does. The key is kept in the data folder, so tokens outlive a restart.
 */
export const LOCAL_ISSUER = 'urn:telehealth:local-cognito';
export const LOCAL_AUDIENCE = 'telehealth-local-app-client';
const ALG = 'RS256';

export interface LocalIssuer {
  issue(options: { sub: string; role: Role; ttlSeconds?: number; extraGroups?: Role[] }): Promise<string>;
  /** Verified claims, or null when the token is missing, malformed, forged or expired. */
  verify(token: string): Promise<JWTPayload | null>;
}

async function loadOrCreateKey(dir: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const file = join(dir, 'issuer-key.json');
  const existing = await readFileIfExists(file);
  if (existing !== undefined) return JSON.parse(existing) as { privateJwk: JWK; publicJwk: JWK };
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  const keys = { privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG }, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG } };
  // Written atomically: two processes (npm start and npm run token) may race to create the key.
  await writeFileAtomically(file, JSON.stringify(keys), { mode: 0o600 });
  return JSON.parse(await readFile(file, 'utf8')) as { privateJwk: JWK; publicJwk: JWK };
}

export async function openLocalIssuer(dir: string): Promise<LocalIssuer> {
  const { privateJwk, publicJwk } = await loadOrCreateKey(dir);
  const privateKey = await importJWK(privateJwk, ALG);
  const publicKey = await importJWK(publicJwk, ALG);
  return {
    async issue({ sub, role, ttlSeconds = 3600, extraGroups = [] }) {
      if (!isRole(role)) throw new Error(`unknown role ${role}`);
      return new SignJWT({
        'cognito:groups': [role, ...extraGroups.filter((group) => group !== role)],
        'cognito:username': sub,
        token_use: 'id',
        auth_time: Math.floor(Date.now() / 1000),
      })
        .setProtectedHeader({ alg: ALG, kid: publicJwk.kid })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, algorithms: [ALG] });
        return payload.token_use === 'id' ? payload : null;
      } catch {
        return null;
      }
    },
  };
}
