/** The public surface of streaming/: what other folders may import (docs/architecture.md, "Layout"). */
export { BlockPool } from './blockPool';
export { joinIntoBlocks } from './joinIntoBlocks';
