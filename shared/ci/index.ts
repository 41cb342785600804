/** The public surface of ci/: what other folders may import (docs/architecture.md, "Layout"). */
export { buildLogScanner } from './buildScanner';
export { durationQuantile, type PipelineDay, PipelineDayStore } from './pipelineDays';
export { connectOctokit, gitHubTokenSecret } from './providers/gitHubClient';
export { gitHubFailure } from './providers/gitHubErrors';
