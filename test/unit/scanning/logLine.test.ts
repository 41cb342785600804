import { describe, expect, it } from 'vitest';
import { cleanLogLine, rawOffsetOf } from '../../../shared/scanning/logLine';

describe('log line cleaning', () => {
  const stamp = '2024-05-01T10:00:00.1234567Z ';

  it('drops the timestamp and keeps a plain line as a slice when it has no colour codes', () => {
    const raw = Buffer.from(`${stamp}npm WARN deprecated left-pad\r`, 'latin1');
    const clean = cleanLogLine(raw, 0, raw.length);
    expect(clean).toMatchObject({ text: 'npm WARN deprecated left-pad', map: null, shift: stamp.length, strippedEscapes: false });
  });

  it('finds colour codes by itself when the caller does not say, and maps the text back to the raw line', () => {
    const raw = Buffer.from(`${stamp}\x1b[36mGITHUB_TOKEN\x1b[0m=value`, 'latin1');
    const found = cleanLogLine(raw, 0, raw.length);
    expect(found).toEqual(cleanLogLine(raw, 0, raw.length, true));
    expect(found.text).toBe('GITHUB_TOKEN=value');
    expect(found.strippedEscapes).toBe(true);
    expect(raw.toString('latin1', rawOffsetOf(found, 13), rawOffsetOf(found, 13) + 5)).toBe('value');
  });

  it('takes the caller at its word when it knows the line has no escape sequences', () => {
    const raw = Buffer.from(`${stamp}plain text`, 'latin1');
    expect(cleanLogLine(raw, 0, raw.length, false)).toEqual(cleanLogLine(raw, 0, raw.length));
  });
});
