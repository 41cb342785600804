// Moved to the simulator (shared/simulator/), which the demo uses; re-exported so tests keep their imports.
export * from '../../../shared/simulator/syntheticSecrets';
