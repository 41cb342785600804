/** The public surface of store/: what other folders may import (docs/architecture.md, "Layout"). */
export type { EmbeddedDatabase } from './embedded/embeddedDatabase';
export { groupCommitFor } from './embedded/groupCommit';
export { isConflict, isNotFound, isPreconditionFailed } from './errors';
export type { Container, PatchOperation, QueryPage, QuerySpec, Scalar, Stored, WriteOptions } from './port';
export { narrowed } from './port';
export { queryAll } from './queryAll';
export { containerTimeToLive, deliveriesRetentionDays, timeToLiveSeconds } from './timeToLive';
