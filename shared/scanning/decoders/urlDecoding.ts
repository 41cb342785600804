import { type DecodedText, mappedDecodedText } from './decodedText';

/**
 * Percent-decoding, for secrets inside URLs and form bodies (`client_secret=abc8Q%7E...`,
 * `password=p%40ss`). Decoded bytes stay one character each, like every other text in the engine.
 */
const escapeAhead = /%[0-9A-Fa-f]{2}/;

export function hasPercentEscapes(text: string): boolean {
  return escapeAhead.test(text);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

export function decodePercentEscapes(text: string): DecodedText | undefined {
  let output = '';
  const map: number[] = [];
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 0x25 && i + 2 < text.length) {
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        output += String.fromCharCode(high * 16 + low);
        map.push(i);
        i += 2;
        changed = true;
        continue;
      }
    }
    output += text[i];
    map.push(i);
  }
  return changed ? mappedDecodedText(output, 'url', map) : undefined;
}
