import { z } from 'zod';
import { SEGMENTS } from '../rehab/exercises.js';
import { idParams, idSchema, pageQuery } from '../records/schemas.js';

/**
 * Request schemas of the devices API. Strict objects (unknown fields are a 400); messages never echo the input.
 * Model and serial number are hardware identifiers, kept to a small character set so no free text (PHI) lands there.
 */

/** The limb segments a sensor can be strapped to, from the exercise catalogue. */
export { SEGMENTS };

/** A gateway carries one or two IMUs (docs/telemetry-format.md: sensorCount 1–2). */
export const MAX_SENSORS_PER_DEVICE = 2;

const unique = <T>(values: readonly T[]) => new Set(values).size === values.length;

export const createDeviceBody = z.strictObject({
  patientId: idSchema('pat'),
  /** One placement per sensor, in sensor order. */
  placements: z
    .array(z.enum(SEGMENTS, 'must be a limb segment such as left-upper-arm or right-shank'))
    .min(1, 'must list the segment of at least one sensor')
    .max(MAX_SENSORS_PER_DEVICE, `a gateway has at most ${MAX_SENSORS_PER_DEVICE} sensors`)
    .refine(unique, 'must not repeat a segment'),
  model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/, 'must be a model name (letters, digits, space . _ + -, at most 64)').optional(),
  serialNumber: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be a serial number (letters, digits, . _ : -, at most 64)').optional(),
});
export type CreateDeviceBody = z.infer<typeof createDeviceBody>;

export const deviceParams = idParams('dev');

export const listDevicesQuery = z.strictObject({ patientId: idSchema('pat'), ...pageQuery });
export type ListDevicesQuery = z.infer<typeof listDevicesQuery>;
