/** The public surface of summaries/: what other folders may import (docs/architecture.md, "Layout"). */

export { redactedText } from './summaryRedaction';
export {
  maxSummaryFindings,
  type SummaryFinding,
  type SummaryRequest,
  type SummaryWriter,
  templateSummaryWriter,
  type WrittenSummary,
  writeSummary,
} from './summaryWriter';
export { summaryWriterFor } from './summaryWriterFor';
