/**
 * The devices API: register a home gateway to a patient (its IoT identity and credentials, once), read it, list a
 * patient's gateways, deactivate one. Who: an admin, or a clinician or therapist on the patient's care team
 * (lambdas/access: action `read` of the patient, routes restricted to those roles). Every call that identifies a
 * patient is audited (lambdas/audit).
 *
 * Idempotency-Key on registration is handled here rather than by the HTTP layer, which would keep the whole first
 * response, private key included, in the idempotency store. Here only the device id is kept: a retry with the same
 * key and body registers nothing new and answers for the same device with a fresh certificate, the previous one
 * (which the caller evidently did not receive) being deactivated. Another body with the same key is a 422.
 */
import type { PatientAccess } from '../access/patient-access.js';
import { callerOf, type ApiResponse, type Caller, type Operations } from '../api/operation.js';
import type { AuditLog, AuditResourceType } from '../audit/audit-log.js';
import { audited, type Auditing } from '../audit/audited.js';
import { Conflict, NotFound, ValidationError } from '../shared/errors.js';
import { fingerprint, type IdempotencyStore } from '../shared/idempotency.js';
import { newId } from '../shared/ids.js';
import { logger } from '../shared/observability.js';
import { basicIngestTopic, commandTopicFilter, statusTopic, telemetryTopic } from '../telemetry/topics.js';
import { deviceView, type StoredDevice } from './model.js';
import type { DeviceCredentials, DeviceProvisioner, DeviceRegistry, MqttEndpoint } from './ports.js';
import type { CreateDeviceBody, ListDevicesQuery } from './schemas.js';

export interface DevicesPorts {
  readonly registry: DeviceRegistry;
  readonly provisioner: DeviceProvisioner;
  readonly access: PatientAccess;
  readonly audit: AuditLog;
  readonly idempotency: IdempotencyStore;
  readonly now: () => Date;
}

export const DEVICE_NOT_FOUND = 'device not found';

/** audit-log.ts predates devices; the stored entry has the same shape, only these resource types are new. */
const DEVICE_RESOURCE = 'device' as AuditResourceType;
const DEVICE_LIST_RESOURCE = 'device-list' as AuditResourceType;

/** The topics a gateway publishes and subscribes to (lambdas/telemetry/topics.ts, docs/telemetry-format.md). */
export function deviceTopics(deviceId: string) {
  return {
    telemetry: telemetryTopic(deviceId),
    telemetryBasicIngest: basicIngestTopic(deviceId),
    status: statusTopic(deviceId),
    commands: commandTopicFilter(deviceId),
  };
}

/** The registration answer: the device, and once only its credentials and how to connect. */
export function registrationBody(device: StoredDevice, credentials: DeviceCredentials, endpoint: MqttEndpoint) {
  return {
    ...deviceView(device),
    credentials: { certificateId: credentials.certificateId, certificatePem: credentials.certificatePem, privateKeyPem: credentials.privateKeyPem },
    connection: {
      protocol: 'mqtts' as const,
      host: endpoint.host,
      port: endpoint.port,
      /** The policy lets a device connect only with its own id as MQTT client id. */
      clientId: device.deviceId,
      ...(endpoint.caCertificatePem !== undefined ? { caCertificatePem: endpoint.caCertificatePem } : {}),
      ...(endpoint.caCertificateUrl !== undefined ? { caCertificateUrl: endpoint.caCertificateUrl } : {}),
      topics: deviceTopics(device.deviceId),
    },
  };
}

const MAX_IDEMPOTENCY_KEY = 128;

export function createDevicesOperations(ports: DevicesPorts): Operations {
  const { registry, provisioner, access, idempotency, now } = ports;
  const auditing: Auditing = { log: ports.audit, now };
  const timestamp = () => now().toISOString();

  /** The device, when the caller may see its patient; a hidden one reads exactly like a missing one. */
  async function requireDevice(caller: Caller, deviceId: string, target: { patientId?: string }): Promise<StoredDevice> {
    const device = await registry.get(deviceId);
    if (!device) throw new NotFound(DEVICE_NOT_FOUND);
    target.patientId = device.patientId;
    await access.requirePatient(caller, device.patientId, 'read', { hiddenAs: DEVICE_NOT_FOUND });
    return device;
  }

  async function register(caller: Caller, body: CreateDeviceBody): Promise<ApiResponse> {
    // Where to connect first (cached after the first call): nothing is created when it cannot be told.
    const endpoint = await provisioner.endpoint();
    const createdAt = now();
    const deviceId = newId('dev', createdAt.getTime());
    const credentials = await provisioner.provision(deviceId);
    const at = createdAt.toISOString();
    const device: StoredDevice = {
      deviceId,
      patientId: body.patientId,
      placements: body.placements,
      status: 'active',
      certificateId: credentials.certificateId,
      ...(body.model !== undefined ? { model: body.model } : {}),
      ...(body.serialNumber !== undefined ? { serialNumber: body.serialNumber } : {}),
      createdAt: at,
      updatedAt: at,
    };
    try {
      if (!(await registry.create(device))) throw new Error('device id already registered');
    } catch (error) {
      // Never leave a working certificate behind for a device the registry does not know.
      await provisioner.deactivate(deviceId, credentials.certificateId).catch((cleanupError: unknown) =>
        logger.error('could not deactivate the certificate of an unregistered device', { deviceId, errorName: (cleanupError as Error)?.name }),
      );
      throw error;
    }
    logger.info('device registered', { deviceId, registeredBy: caller.userId });
    return { status: 201, body: registrationBody(device, credentials, endpoint) };
  }

  /** A registration retried with its Idempotency-Key: the same device, a new certificate, the old one deactivated. */
  async function reissue(deviceId: string, patientId: string): Promise<ApiResponse> {
    const device = await registry.get(deviceId);
    if (!device || device.patientId !== patientId) throw new NotFound(DEVICE_NOT_FOUND);
    if (device.status !== 'active') throw new Conflict('the device registered with this Idempotency-Key has been deactivated');
    const endpoint = await provisioner.endpoint();
    const credentials = await provisioner.issueCertificate(deviceId);
    const updated = await registry.replaceCertificate(deviceId, device.certificateId, credentials.certificateId, timestamp());
    if (!updated) {
      await provisioner.deactivate(deviceId, credentials.certificateId).catch(() => undefined);
      throw new Conflict('the device changed meanwhile; retry');
    }
    await provisioner.deactivate(deviceId, device.certificateId);
    logger.info('device certificate reissued on a retried registration', { deviceId });
    return { status: 201, body: registrationBody(updated, credentials, endpoint), headers: { 'idempotent-replayed': 'true' } };
  }

  return {
    registerDevice: async (request) => {
      const caller = callerOf(request);
      const body = request.body as CreateDeviceBody;
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY)) {
        throw new ValidationError('Idempotency-Key is invalid', [{ field: 'header.idempotency-key', message: `1 to ${MAX_IDEMPOTENCY_KEY} characters` }]);
      }
      return audited(auditing, request, { patientId: body.patientId, resourceType: DEVICE_RESOURCE }, async (target) => {
        // Who first: the key store is not consulted for a caller who may not register devices for this patient.
        await access.requirePatient(caller, body.patientId, 'read');
        if (key === undefined) {
          const response = await register(caller, body);
          target.resourceId = (response.body as { id: string }).id;
          return response;
        }
        const scope = `${caller.userId}#${request.operationId}`;
        const stored = await idempotency.begin(scope, key, fingerprint('/devices', JSON.stringify(body)));
        if (stored) {
          const deviceId = (stored.body as { deviceId?: string } | undefined)?.deviceId;
          if (!deviceId) throw new Conflict('this Idempotency-Key belongs to a registration that did not complete');
          target.resourceId = deviceId;
          return reissue(deviceId, body.patientId);
        }
        try {
          const response = await register(caller, body);
          const deviceId = (response.body as { id: string }).id;
          target.resourceId = deviceId;
          // Only the id: credentials are returned once and stored nowhere.
          await idempotency.complete(scope, key, { status: response.status, body: { deviceId } });
          return response;
        } catch (error) {
          await idempotency.release(scope, key).catch(() => undefined);
          throw error;
        }
      });
    },

    getDevice: async (request) => {
      const caller = callerOf(request);
      return audited(auditing, request, { resourceType: DEVICE_RESOURCE, resourceId: request.params.id }, async (target) => {
        const device = await requireDevice(caller, request.params.id!, target);
        return { status: 200, body: deviceView(device) };
      });
    },

    listDevices: async (request) => {
      const caller = callerOf(request);
      const query = request.query as ListDevicesQuery;
      return audited(auditing, request, { patientId: query.patientId, resourceType: DEVICE_LIST_RESOURCE, resourceId: query.patientId }, async () => {
        await access.requirePatient(caller, query.patientId, 'read');
        const page = await registry.listByPatient(query.patientId, { limit: query.limit, cursor: query.cursor });
        return { status: 200, body: { ...page, items: page.items.map(deviceView) } };
      });
    },

    deactivateDevice: async (request) => {
      const caller = callerOf(request);
      return audited(auditing, request, { resourceType: DEVICE_RESOURCE, resourceId: request.params.id }, async (target) => {
        let device = await requireDevice(caller, request.params.id!, target);
        if (device.status === 'active') {
          device = (await registry.deactivate(device.deviceId, timestamp())) ?? device;
        }
        // Always, so a deactivation interrupted after the registry write completes on retry (both steps are idempotent).
        await provisioner.deactivate(device.deviceId, device.certificateId);
        logger.info('device deactivated', { deviceId: device.deviceId, deactivatedBy: caller.userId });
        return { status: 200, body: deviceView(device) };
      });
    },
  };
}
