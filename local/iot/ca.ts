/**
 * Local certificate authority for the local IoT Core: devices authenticate with client certificates
 * (mutual TLS), as with AWS IoT Core. node-forge builds and signs the X.509 certificates; keys come from
 * node:crypto, which generates RSA keys natively (forge cannot sign with EC keys, so RSA 2048 it is).
 * Device certificates carry only the device id (CN), never patient data.
 */
import { createHash, createPrivateKey, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { readFileIfExists, writeFileAtomically } from '../files.js';
import { isDeviceId } from '../../lambdas/telemetry/topics.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface IssuedCertificate {
  readonly certificatePem: string;
  /** PKCS#8 PEM. Returned once, never stored by the CA (as with IoT CreateKeysAndCertificate). */
  readonly privateKeyPem: string;
  /** SHA-256 of the certificate's DER, lowercase hex: the form of an AWS IoT certificate id. */
  readonly certificateId: string;
}

export interface LocalCertificateAuthority {
  readonly caDir: string;
  readonly caCertificatePem: string;
  /** The broker's certificate for `localhost`/127.0.0.1/::1, persisted in caDir and renewed when due. */
  serverCertificate(): Promise<IssuedCertificate>;
  /**
   * A client certificate whose subject CN is the device id, with a fresh key pair unless `keyPair` is given
   * (load runs share one pair across thousands of simulated gateways; real devices never do).
   */
  issueDeviceCertificate(deviceId: string, options?: { validDays?: number; keyPair?: DeviceKeyPair }): Promise<IssuedCertificate>;
}

const CA_KEY = 'ca.key.pem';
const CA_CERT = 'ca.cert.pem';
const SERVER_KEY = 'server.key.pem';
const SERVER_CERT = 'server.cert.pem';
const SERVER_HOSTS = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] } as const;
const DAY_MS = 86_400_000;
/** Certificates start a little in the past so a slightly skewed peer clock does not reject them. */
const BACKDATE_MS = 5 * 60_000;
const RENEW_BEFORE_MS = 30 * DAY_MS;

export function certificateIdOf(certificatePem: string): string {
  return createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex');
}

export interface DeviceKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export async function newKeyPair(): Promise<DeviceKeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  // Positive and without a leading zero byte, so the DER INTEGER is minimal (strict parsers care).
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function certificateDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

interface CaMaterial {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
  /** The same key for node:crypto, which signs natively: forge's pure-JS RSA made each certificate cost ~0.3 s. */
  readonly keyObject: KeyObject;
  readonly certificatePem: string;
}

/** What forge's `cert.sign` does, with the RSA signature computed by node:crypto. */
function signNatively(cert: forge.pki.Certificate, key: KeyObject): void {
  cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  // getTBSCertificate is public in node-forge but missing from its type definitions.
  cert.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, key).toString('binary');
}

function newCertificate(publicKeyPem: string, subjectCn: string, validDays: number, now: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + validDays * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: subjectCn }]);
  return cert;
}

function issue(
  ca: CaMaterial,
  keys: { privateKeyPem: string; publicKeyPem: string },
  subjectCn: string,
  validDays: number,
  extensions: object[],
): IssuedCertificate {
  const cert = newCertificate(keys.publicKeyPem, subjectCn, validDays, Date.now());
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
    ...extensions,
  ]);
  signNatively(cert, ca.keyObject);
  return {
    certificatePem: forge.pki.certificateToPem(cert),
    privateKeyPem: keys.privateKeyPem,
    certificateId: createHash('sha256').update(certificateDer(cert)).digest('hex'),
  };
}



async function createCa(caDir: string): Promise<CaMaterial> {
  const keys = await newKeyPair();
  const cert = newCertificate(keys.publicKeyPem, 'Telehealth Local IoT CA', 20 * 365, Date.now());
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const key = forge.pki.privateKeyFromPem(keys.privateKeyPem) as forge.pki.rsa.PrivateKey;
  const keyObject = createPrivateKey(keys.privateKeyPem);
  signNatively(cert, keyObject);
  const certificatePem = forge.pki.certificateToPem(cert);
  // Key first, certificate last: loading needs the certificate, so a crash in between reads as "no CA".
  await writeFileAtomically(join(caDir, CA_KEY), keys.privateKeyPem, { mode: 0o600 });
  await writeFileAtomically(join(caDir, CA_CERT), certificatePem);
  return { cert, key, keyObject, certificatePem };
}

async function loadCa(caDir: string): Promise<CaMaterial | undefined> {
  const certificatePem = await readFileIfExists(join(caDir, CA_CERT));
  if (certificatePem === undefined) return undefined;
  const keyPem = await readFileIfExists(join(caDir, CA_KEY));
  if (keyPem === undefined) throw new Error(`local IoT CA in ${caDir} has a certificate but no key`);
  const cert = forge.pki.certificateFromPem(certificatePem);
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
  if (publicKey.n.compareTo(key.n) !== 0) throw new Error(`local IoT CA in ${caDir}: key and certificate do not match`);
  return { cert, key, keyObject: createPrivateKey(keyPem), certificatePem };
}

function isCurrentServerCertificate(ca: CaMaterial, certificatePem: string): boolean {
  try {
    const cert = forge.pki.certificateFromPem(certificatePem);
    if (cert.validity.notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) return false;
    // Issued by this CA (it may have been re-created) and for the hosts we serve today.
    if (!ca.cert.verify(cert)) return false;
    const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value?: string; ip?: string }[] } | null;
    const names = new Set((san?.altNames ?? []).map((n) => n.ip ?? n.value));
    return [...SERVER_HOSTS.dns, ...SERVER_HOSTS.ip].every((host) => names.has(host));
  } catch {
    return false;
  }
}

async function serverCertificate(caDir: string, ca: CaMaterial): Promise<IssuedCertificate> {
  const certificatePem = await readFileIfExists(join(caDir, SERVER_CERT));
  const privateKeyPem = await readFileIfExists(join(caDir, SERVER_KEY));
  if (certificatePem && privateKeyPem && isCurrentServerCertificate(ca, certificatePem)) {
    return { certificatePem, privateKeyPem, certificateId: certificateIdOf(certificatePem) };
  }
  const issued = issue(ca, await newKeyPair(), 'localhost', 365, [
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...SERVER_HOSTS.dns.map((value) => ({ type: 2, value })), ...SERVER_HOSTS.ip.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  await writeFileAtomically(join(caDir, SERVER_KEY), issued.privateKeyPem, { mode: 0o600 });
  await writeFileAtomically(join(caDir, SERVER_CERT), issued.certificatePem);
  return issued;
}

/** One load per folder per process, so concurrent callers share a CA instead of racing to create two. */
const open = new Map<string, Promise<LocalCertificateAuthority>>();

/** Loads the CA persisted in `caDir`, creating the folder and the CA on first use. */
export function loadOrCreateLocalCa(caDir: string): Promise<LocalCertificateAuthority> {
  const dir = resolve(caDir);
  let pending = open.get(dir);
  if (!pending) {
    pending = openCa(dir);
    open.set(dir, pending);
    pending.catch(() => open.delete(dir));
  }
  return pending;
}

async function openCa(caDir: string): Promise<LocalCertificateAuthority> {
  await mkdir(caDir, { recursive: true, mode: 0o700 });
  const ca = (await loadCa(caDir)) ?? (await createCa(caDir));
  let server: Promise<IssuedCertificate> | undefined;
  return {
    caDir,
    caCertificatePem: ca.certificatePem,
    serverCertificate() {
      server ??= serverCertificate(caDir, ca).catch((error: unknown) => {
        server = undefined; // let a later call retry, e.g. after a full disk was cleared
        throw error;
      });
      return server;
    },
    async issueDeviceCertificate(deviceId, options = {}) {
      if (!isDeviceId(deviceId)) throw new TypeError('not a device id');
      return issue(ca, options.keyPair ?? (await newKeyPair()), deviceId, options.validDays ?? 10 * 365, [
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
      ]);
    },
  };
}
