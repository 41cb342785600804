/** The public surface of zip/: what other folders may import (docs/architecture.md, "Layout"). */
export { readZipEntriesOffThread } from './zipEntriesOffThread';
