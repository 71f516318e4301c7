import { z } from 'zod';
import { idParams, pageQuery } from '../records/schemas.js';

export const patientParams = idParams('pat');
export const rehabSessionParams = idParams('rsess');
export const listRehabSessionsQuery = z.strictObject({ ...pageQuery });
export type ListRehabSessionsQuery = z.infer<typeof listRehabSessionsQuery>;
