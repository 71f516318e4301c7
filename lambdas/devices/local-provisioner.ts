/**
 * The local adapter of DeviceProvisioner, passed in by the local composition root (local/stack.ts): certificates
 * from the local CA (local/iot/ca.ts), whose CN is the device id, and the local broker (local/iot/broker.ts), which
 * checks on every CONNECT that the certificate is the registry's active one for that device. So "deactivate" is the
 * registry's status (written by the caller) plus dropping the live connection here.
 */
import type { DeviceCredentials, DeviceProvisioner, MqttEndpoint } from './ports.js';

/** What this adapter needs of the local CA (LocalCertificateAuthority). */
export interface LocalCertificateIssuer {
  issueDeviceCertificate(deviceId: string): Promise<DeviceCredentials>;
}

/** What this adapter needs of the local broker (LocalIotCore). */
export interface LocalBroker {
  /** `mqtts://host:port`. */
  readonly url: string;
  readonly caCertificatePem: string;
  disconnectDevice(deviceId: string): Promise<boolean>;
}

export class LocalDeviceProvisioner implements DeviceProvisioner {
  constructor(
    private readonly ca: LocalCertificateIssuer,
    private readonly broker: LocalBroker,
  ) {}

  async provision(deviceId: string): Promise<DeviceCredentials> {
    return this.issueCertificate(deviceId);
  }

  async issueCertificate(deviceId: string): Promise<DeviceCredentials> {
    const { certificateId, certificatePem, privateKeyPem } = await this.ca.issueDeviceCertificate(deviceId);
    return { certificateId, certificatePem, privateKeyPem };
  }

  async deactivate(deviceId: string): Promise<void> {
    // The broker re-reads the registry on reconnect, which by now says inactive (or names another certificate).
    await this.broker.disconnectDevice(deviceId);
  }

  async endpoint(): Promise<MqttEndpoint> {
    const url = new URL(this.broker.url);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port), caCertificatePem: this.broker.caCertificatePem };
  }
}
