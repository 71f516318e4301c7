export * from './random.js';
export * from './trajectory.js';
export * from './session.js';
