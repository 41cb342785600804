/** The public surface of audit/: what other folders may import (docs/architecture.md, "Layout"). */
export { auditAfterBuild } from './auditAfterBuild';
