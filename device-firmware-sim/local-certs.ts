/**
 * Device certificates in bulk for load runs on the local stack: the local CA signs natively, and every simulated
 * gateway shares one key pair, so a thousand certificates take about a second instead of a key generation each.
 * The certificates are what the CA issues to real devices (CN = device id, client auth); sharing a key pair is
 * acceptable for a simulation only. Uses the CA folder of a local stack (LocalStack.telemetry.caDir).
 */
import { loadOrCreateLocalCa, newKeyPair, type IssuedCertificate } from '../local/iot/ca.js';

export interface BulkIssuer {
  issue(deviceId: string): Promise<IssuedCertificate>;
}

export async function bulkLocalIssuer(caDir: string): Promise<BulkIssuer> {
  const ca = await loadOrCreateLocalCa(caDir);
  const keyPair = await newKeyPair();
  return { issue: (deviceId) => ca.issueDeviceCertificate(deviceId, { keyPair }) };
}
