/** The public surface of sarif/: SARIF results from any CI (docs/ci-results.md). What other folders may import. */
export type { CiContext } from './ciContext';
export { CiContextSchema, ciContextFields, ciSources, ciTokenSecretName } from './ciContext';
export type { SarifFinding, SarifRiskKind } from './sarifFindings';
export { sarifFindings, severityOfScore } from './sarifFindings';
export type { SarifLog } from './sarifLog';
export { jsonPath, validateSarif } from './sarifLog';
export type { SarifScanRecord } from './sarifScanRecord';
export type { SarifUploadChunk } from './sarifUploads';
export { SarifUploadStore, uploadTtlSeconds } from './sarifUploads';
