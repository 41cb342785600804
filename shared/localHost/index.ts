/** The public surface of localHost/: what other folders may import (docs/architecture.md, "Layout"). */

export type { LocalHost } from './localHost';
export { startLocalHost } from './localHost';
