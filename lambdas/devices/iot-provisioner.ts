/**
 * The AWS adapter of DeviceProvisioner: one IoT thing per device (thing name = device id, which the device policy
 * requires as MQTT client id), one active certificate made by IoT (CreateKeysAndCertificate: the private key is
 * returned once and kept nowhere), the shared device policy attached to the certificate, and the certificate
 * attached exclusively to the thing. Deactivation is UpdateCertificate INACTIVE: IoT Core then refuses the
 * certificate and drops its live connections within minutes.
 */
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeEndpointCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { logger } from '../shared/observability.js';
import type { DeviceCredentials, DeviceProvisioner, MqttEndpoint } from './ports.js';

/** IoT Core's MQTT over TLS port; devices trust Amazon Root CA 1 for the ATS endpoint. */
export const IOT_MQTT_PORT = 8883;
export const AMAZON_ROOT_CA_URL = 'https://www.amazontrust.com/repository/AmazonRootCA1.pem';

export class IotDeviceProvisioner implements DeviceProvisioner {
  private endpointHost: Promise<string> | undefined;

  constructor(
    private readonly iot: IoTClient,
    private readonly devicePolicyName: string,
    endpointHost?: string,
  ) {
    if (endpointHost) this.endpointHost = Promise.resolve(endpointHost);
  }

  async provision(deviceId: string): Promise<DeviceCredentials> {
    // Without attributes CreateThing is idempotent: a retry after a partial failure finds the same thing.
    await this.iot.send(new CreateThingCommand({ thingName: deviceId }));
    return this.issueCertificate(deviceId);
  }

  async issueCertificate(deviceId: string): Promise<DeviceCredentials> {
    const created = await this.iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    const { certificateArn, certificateId, certificatePem } = created;
    const privateKeyPem = created.keyPair?.PrivateKey;
    if (!certificateArn || !certificateId || !certificatePem || !privateKeyPem) throw new Error('CreateKeysAndCertificate answered without a certificate');
    try {
      await this.iot.send(new AttachPolicyCommand({ policyName: this.devicePolicyName, target: certificateArn }));
      await this.iot.send(new AttachThingPrincipalCommand({ thingName: deviceId, principal: certificateArn, thingPrincipalType: 'EXCLUSIVE_THING' }));
    } catch (error) {
      // An active certificate nobody will ever receive must not stay usable.
      await this.deactivateCertificate(certificateId).catch((cleanupError: unknown) =>
        logger.error('could not deactivate an orphaned device certificate', { certificateId, errorName: (cleanupError as Error)?.name }),
      );
      throw error;
    }
    return { certificateId, certificatePem, privateKeyPem };
  }

  async deactivate(_deviceId: string, certificateId: string): Promise<void> {
    await this.deactivateCertificate(certificateId);
  }

  async endpoint(): Promise<MqttEndpoint> {
    this.endpointHost ??= this.iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })).then((result) => {
      if (!result.endpointAddress) throw new Error('DescribeEndpoint answered without an address');
      return result.endpointAddress;
    });
    const pending = this.endpointHost;
    pending.catch(() => {
      if (this.endpointHost === pending) this.endpointHost = undefined;
    });
    return { host: await pending, port: IOT_MQTT_PORT, caCertificateUrl: AMAZON_ROOT_CA_URL };
  }

  private async deactivateCertificate(certificateId: string): Promise<void> {
    // Idempotent in IoT: an inactive certificate stays inactive.
    await this.iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
  }
}
