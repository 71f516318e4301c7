import { z } from 'zod';
import { ValidationError, type FieldError } from '../shared/errors.js';

/** Parses with a schema; on failure throws a 400 with one reason per field. Messages never echo the input. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'path'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    // Unknown fields: name each one so the client sees exactly what to drop.
    if (issue.code === 'unrecognized_keys') {
      return { field: [where, ...path].join('.'), message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { field: [where, ...path].join('.'), message: issue.message };
  });
  throw new ValidationError(`invalid ${where}`, errors);
}
