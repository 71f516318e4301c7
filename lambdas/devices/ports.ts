/** Ports of the devices capability: the IoT identity of a gateway (provisioner) and the registry item (registry). */
import type { Page, PageRequest } from '../records/dynamo-support.js';
import type { StoredDevice } from './model.js';

/** What a gateway needs to connect, returned once at registration: the private key is never stored. */
export interface DeviceCredentials {
  /** SHA-256 of the certificate's DER, lower-case hex (the AWS IoT certificate id). */
  readonly certificateId: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** Where and how a gateway connects: MQTT over mutual TLS. */
export interface MqttEndpoint {
  readonly host: string;
  readonly port: number;
  /** The CA the gateway verifies the broker with: inline (local CA) or where to fetch it (Amazon Root CA 1). */
  readonly caCertificatePem?: string;
  readonly caCertificateUrl?: string;
}

/**
 * The IoT identity of a gateway. AWS: an IoT thing named by the device id with an active certificate carrying the
 * shared device policy (lambdas/telemetry/topics.ts `iotPolicyDocument`). Locally: a certificate from the local CA,
 * which the local broker checks against the registry on every connect.
 */
export interface DeviceProvisioner {
  /** Creates the device's identity and its first certificate (active). */
  provision(deviceId: string): Promise<DeviceCredentials>;
  /** A further certificate for a device that already has its identity (a registration retried after its response was lost). */
  issueCertificate(deviceId: string): Promise<DeviceCredentials>;
  /**
   * Stops a certificate from connecting and drops a live connection of the device (AWS does so within minutes of
   * UpdateCertificate; the local broker at once). Idempotent.
   */
  deactivate(deviceId: string, certificateId: string): Promise<void>;
  endpoint(): Promise<MqttEndpoint>;
}

/** The registry items (records table). Writes are conditional on one item: no transactions needed. */
export interface DeviceRegistry {
  /** False when the id is taken (never in practice: ids are fresh ULIDs). */
  create(device: StoredDevice): Promise<boolean>;
  get(deviceId: string): Promise<StoredDevice | undefined>;
  /** A patient's devices, oldest first. */
  listByPatient(patientId: string, page: PageRequest): Promise<Page<StoredDevice>>;
  /** Marks the device inactive (kept for the record); undefined when it does not exist. */
  deactivate(deviceId: string, at: string): Promise<StoredDevice | undefined>;
  /** Swaps the certificate of an active device, on condition that it still has `from`; undefined when it has not. */
  replaceCertificate(deviceId: string, from: string, to: string, at: string): Promise<StoredDevice | undefined>;
}
