import { describe, expect, it } from 'vitest';
import { escapeControlCharacters, escapeJsonControlCharacters, printable } from '../../../shared/logging/controlCharacters';
import { createLogger } from '../../../shared/logging/logger';

function capture(format: 'text' | 'json'): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ format, level: 'info', sink: { write: (line) => lines.push(line) } }) };
}

const hostile = 'a0a0a0a0\n2026-11-20T10:00:00.000Z ERROR forged by the sender\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202etxt.exe';

describe('the text log', () => {
  it('keeps a value holding a newline and ANSI escapes on its own line, with the escapes visible', () => {
    const { lines, logger } = capture('text');
    logger.warn('parked; see `vigil dlq list`', { messageId: hostile, reason: 'bad\r\nthing' });
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(line).toContain('a0a0a0a0\\x0a2026-11-20T10:00:00.000Z ERROR forged by the sender\\x1b[2J');
    expect(line).toContain('\\u202etxt.exe');
    expect(line).toContain('reason=bad\\x0d\\x0athing');
  });

  it('escapes the message itself too', () => {
    const { lines, logger } = capture('text');
    logger.info(`request for ${hostile}`);
    expect(lines).toHaveLength(1);
    expect(lines[0].slice(0, -1)).not.toContain('\n');
  });
});

describe('the JSON log', () => {
  it('stays one line of JSON that reads back to the same values, with no raw C1 or bidi controls', () => {
    const { lines, logger } = capture('json');
    logger.warn('parked', { messageId: hostile });
    expect(lines).toHaveLength(1);
    expect(lines[0].slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect((JSON.parse(lines[0]) as { messageId: string }).messageId).toBe(hostile);
  });
});

describe('control characters', () => {
  it('leaves ordinary text, including non-Latin letters and Windows paths, as it is', () => {
    const text = 'C:\\builds\\Fabrikam Fiber\\ログ 42 — ok';
    expect(escapeControlCharacters(text)).toBe(text);
  });

  it('escapes only what a template interpolates', () => {
    expect(printable`${'id\u001b[31m'}  ok\n`).toBe('id\\x1b[31m  ok\n');
  });

  it('keeps JSON valid and equal in value', () => {
    const json = JSON.stringify({ v: hostile });
    expect(JSON.parse(escapeJsonControlCharacters(json))).toEqual({ v: hostile });
  });
});
