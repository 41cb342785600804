/** The public surface of logging/: what other folders may import (docs/architecture.md, "Layout"). */
export { escapeControlCharacters, escapeJsonControlCharacters, printable } from './controlCharacters';
export type { Logger } from './logger';
export { createLogger, registerSecretValue, scrubSecrets, setTraceFields } from './logger';
