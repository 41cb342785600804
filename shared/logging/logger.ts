import { escapeControlCharacters, escapeJsonControlCharacters } from './controlCharacters';

/**
 * The app's one logger. Every value obtained from the vault is registered here and replaced by
 * `***` in anything logged, so a token can't leak through an error message or a debug line.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LogSink {
  write(line: string): void;
}

const secretValues = new Set<string>();

/** Remember a secret so that no logger prints it. Short values are ignored: they would mask ordinary words. */
export function registerSecretValue(value: string): void {
  if (value.length >= 8) secretValues.add(value);
}

export function scrubSecrets(text: string): string {
  let scrubbed = text;
  for (const secret of secretValues) {
    if (scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join('***');
  }
  return scrubbed;
}

/**
 * Where a log line gets the trace it belongs to: telemetry registers this when it starts, so every
 * line written inside a delivery's spans names its trace (docs/deploy.md, "Telemetry").
 */
let traceFields: () => LogFields | undefined = () => undefined;

export function setTraceFields(provider: (() => LogFields | undefined) | undefined): void {
  traceFields = provider ?? (() => undefined);
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  sink?: LogSink;
  fields?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const minimum = levelRank[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const sink = options.sink ?? { write: (line: string) => process.stderr.write(line) };
  const base = options.fields ?? {};

  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (levelRank[level] < minimum) return;
    const all = { ...traceFields(), ...base, ...fields };
    // Scrubbed first (a secret is matched as it is), then escaped: a value from outside (a delivery
    // id, a reason) cannot end the line early and forge one of its own, nor reach a terminal's escapes.
    const line =
      format === 'json'
        ? escapeJsonControlCharacters(
            scrubSecrets(JSON.stringify({ time: new Date().toISOString(), level, message, ...serialisable(all) })),
          )
        : escapeControlCharacters(
            scrubSecrets(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${formatFields(all)}`),
          );
    sink.write(`${line}\n`);
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

function serialisable(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? `${value.name}: ${value.message}` : value;
  }
  return out;
}

function formatFields(fields: LogFields): string {
  const entries = Object.entries(serialisable(fields));
  if (entries.length === 0) return '';
  return ` ${entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`;
}
