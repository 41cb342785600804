/** The public surface of localHost/: what other folders may import (docs/architecture.md, "Layout"). */
export { startLocalHost } from './localHost';
export type { LocalHost } from './localHost';
