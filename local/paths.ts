import { join, resolve } from 'node:path';

/** Where the local stack keeps its state: `DATA_DIR`, or `.data` in the project (git-ignored). */
export function localDataDir(root: string = process.env.DATA_DIR ?? resolve(import.meta.dirname, '..', '.data')) {
  return {
    root,
    dynamodb: join(root, 'dynamodb'),
    kinesis: join(root, 'kinesis'),
    chime: join(root, 'chime', 'meetings.json'),
    iot: join(root, 'iot'),
    issuer: join(root, 'issuer'),
  };
}
export type LocalDataDir = ReturnType<typeof localDataDir>;
