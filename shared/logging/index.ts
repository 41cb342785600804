/** The public surface of logging/: what other folders may import (docs/architecture.md, "Layout"). */
export { escapeControlCharacters, escapeJsonControlCharacters, printable } from './controlCharacters';
export { createLogger, registerSecretValue, scrubSecrets } from './logger';
export type { Logger } from './logger';
