// Moved to the simulator (shared/simulator/), which its repositories use; re-exported so tests keep their imports.
export * from '../../shared/simulator/unifiedDiff';
