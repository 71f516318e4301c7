import { defineRoutes } from '../api/route.js';
import type { Role } from '../api/roles.js';
import { EXAMPLE_IDS } from '../records/examples.js';
import { createDeviceBody, deviceParams, listDevicesQuery } from './schemas.js';

/** Registering and managing gateways is for admins and the care team; patients see their sessions, not the hardware. */
export const DEVICE_MANAGERS: readonly Role[] = ['clinician', 'therapist', 'admin'];

export const EXAMPLE_DEVICE_ID = 'dev_01JD3ZA1B2C3D4E5F6G7H8J9KM';
const exampleCertificateId = '3f9a2c7e5b1d4e8f0a6c2b9d7e5f1a3c8b0d2e4f6a8c0e2b4d6f8a0c2e4b6d8f';

export const exampleDevice = {
  id: EXAMPLE_DEVICE_ID,
  patientId: EXAMPLE_IDS.patient,
  placements: ['right-upper-arm', 'right-forearm'],
  status: 'active',
  model: 'RehabHub 2',
  serialNumber: 'RH2-004211',
  certificateId: exampleCertificateId,
  createdAt: '2026-11-21T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:00.000Z',
} as const;

const exampleRegistration = {
  ...exampleDevice,
  credentials: {
    certificateId: exampleCertificateId,
    certificatePem: '-----BEGIN CERTIFICATE-----\nMIIDWTCCAkGgAwIBAgIU…\n-----END CERTIFICATE-----\n',
    privateKeyPem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA…\n-----END RSA PRIVATE KEY-----\n',
  },
  connection: {
    protocol: 'mqtts',
    host: 'a1b2c3d4e5f6g7-ats.iot.us-east-1.amazonaws.com',
    port: 8883,
    clientId: EXAMPLE_DEVICE_ID,
    caCertificateUrl: 'https://www.amazontrust.com/repository/AmazonRootCA1.pem',
    topics: {
      telemetry: `dt/rehab/${EXAMPLE_DEVICE_ID}/imu`,
      telemetryBasicIngest: `$aws/rules/rehab_imu_to_kinesis/dt/rehab/${EXAMPLE_DEVICE_ID}/imu`,
      status: `dt/rehab/${EXAMPLE_DEVICE_ID}/status`,
      commands: `cmd/rehab/${EXAMPLE_DEVICE_ID}/#`,
    },
  },
};

/** Wearable home gateways (one or two IMUs each): the `devices` function. */
export const deviceRoutes = defineRoutes([
  {
    operationId: 'registerDevice',
    method: 'POST',
    path: '/devices',
    fn: 'devices',
    tag: 'devices',
    summary:
      "Registers a home gateway to a patient: its IoT identity and an active certificate. The answer carries the private key once (it is stored nowhere), the MQTT endpoint and the device's topics. An admin, or a clinician or therapist on the patient's care team. Audited. Honours Idempotency-Key: a retry registers nothing new and answers with a fresh certificate for the same device (the previous one is deactivated).",
    auth: 'user',
    roles: DEVICE_MANAGERS,
    idempotent: 'by-operation',
    body: createDeviceBody,
    example: { patientId: EXAMPLE_IDS.patient, placements: ['right-upper-arm', 'right-forearm'], model: 'RehabHub 2', serialNumber: 'RH2-004211' },
    success: { status: 201, example: exampleRegistration, description: 'Registered; credentials are shown this once' },
  },
  {
    operationId: 'listDevices',
    method: 'GET',
    path: '/devices',
    fn: 'devices',
    tag: 'devices',
    summary: "A patient's gateways, oldest first (no keys). An admin, or the patient's care team. Audited.",
    auth: 'user',
    roles: DEVICE_MANAGERS,
    query: listDevicesQuery,
    success: { status: 200, example: { items: [exampleDevice] } },
  },
  {
    operationId: 'getDevice',
    method: 'GET',
    path: '/devices/{id}',
    fn: 'devices',
    tag: 'devices',
    summary: "One gateway (no keys). An admin, or the patient's care team. Audited.",
    auth: 'user',
    roles: DEVICE_MANAGERS,
    params: deviceParams,
    success: { status: 200, example: exampleDevice },
  },
  {
    operationId: 'deactivateDevice',
    method: 'DELETE',
    path: '/devices/{id}',
    fn: 'devices',
    tag: 'devices',
    summary:
      'Deactivates a gateway: its certificate can no longer connect (a live connection is dropped) and its telemetry is refused. The record is kept. Idempotent. An admin, or the patient\'s care team. Audited.',
    auth: 'user',
    roles: DEVICE_MANAGERS,
    params: deviceParams,
    success: { status: 200, example: { ...exampleDevice, status: 'inactive', updatedAt: '2026-12-01T08:00:00.000Z', deactivatedAt: '2026-12-01T08:00:00.000Z' } },
  },
]);
