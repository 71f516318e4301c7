/**
 * Device certificates in bulk for load runs on the local stack. The local CA (local/iot/ca.ts) makes a fresh RSA key
 * and signs with node-forge (pure JavaScript) per device: a few hundred milliseconds each, minutes for a thousand
 * gateways. This issuer signs with the same local CA key through node:crypto (native) and gives every gateway the same
 * key pair, so a thousand certificates take about a second. The certificates are what the CA issues (CN = device
 * id, client auth, same extensions); sharing one key pair is acceptable for a simulation only, never for devices.
 * Reads the CA key from the local data folder, so it is for local stacks only.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import { isDeviceId } from '../lambdas/telemetry/topics.js';

export interface BulkCertificate {
  readonly certificateId: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface BulkIssuer {
  issue(deviceId: string): BulkCertificate;
}

/** `caDir` is the local stack's CA folder (LocalStack.telemetry.caDir), with ca.key.pem and ca.cert.pem. */
export async function bulkLocalIssuer(caDir: string): Promise<BulkIssuer> {
  const caCert = forge.pki.certificateFromPem(await readFile(join(caDir, 'ca.cert.pem'), 'utf8'));
  const caKey: KeyObject = createPrivateKey(await readFile(join(caDir, 'ca.key.pem'), 'utf8'));
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  const authorityKeyId = caCert.generateSubjectKeyIdentifier().getBytes();

  return {
    issue(deviceId) {
      if (!isDeviceId(deviceId)) throw new TypeError('not a device id');
      const cert = forge.pki.createCertificate();
      cert.publicKey = publicKey;
      const serial = randomBytes(16);
      serial[0] = (serial[0]! & 0x7f) | 0x40;
      cert.serialNumber = serial.toString('hex');
      const now = Date.now();
      cert.validity.notBefore = new Date(now - 5 * 60_000);
      cert.validity.notAfter = new Date(now + 365 * 86_400_000);
      cert.setSubject([{ name: 'commonName', value: deviceId }]);
      cert.setIssuer(caCert.subject.attributes);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'subjectKeyIdentifier' },
        { name: 'authorityKeyIdentifier', keyIdentifier: authorityKeyId },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
      ]);
      // What forge's cert.sign does, with the RSA signature computed natively.
      cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
      // getTBSCertificate is public in node-forge but missing from its type definitions.
      cert.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(certificate: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
      const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
      cert.signature = sign('sha256', tbs, caKey).toString('binary');
      const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
      return { certificateId: createHash('sha256').update(der).digest('hex'), certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKey };
    },
  };
}
