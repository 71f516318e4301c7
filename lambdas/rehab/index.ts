export * from './exercises.js';
export * from './metrics.js';
export * from './orientation.js';
export * from './repetitions.js';
export * from './analyzer.js';
export * from './angles.js';
