import { StringDecoder } from 'node:string_decoder';
import { UsageError } from './usageError';

/**
 * Reads a secret's value for `vigil secrets set`: from a pipe or file on stdin, or, on a terminal,
 * from a prompt that echoes nothing. Never from argv: command lines end up in shell history and in
 * every other user's `ps`.
 */
export interface SecretInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface PromptOutput {
  write(text: string): unknown;
}

/** Far above any token; stops `vigil secrets set x < /dev/zero` from eating memory. */
const maxValueBytes = 64 * 1024;

export async function readSecretValue(prompt: string, input: SecretInput, output: PromptOutput): Promise<string> {
  if (input.isTTY && typeof input.setRawMode === 'function') return readHidden(prompt, input, output);
  return readPiped(input);
}

async function readPiped(input: SecretInput): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += buffer.length;
    if (size > maxValueBytes) throw new UsageError(`the value on stdin is larger than ${maxValueBytes} bytes`);
    chunks.push(buffer);
  }
  // `echo "$TOKEN" | vigil secrets set x` adds one line break that is not part of the token.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function readHidden(prompt: string, input: SecretInput, output: PromptOutput): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw === true;
    const decoder = new StringDecoder('utf8');
    let value = '';
    let inEscape = false;

    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };

    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const character of text) {
        if (inEscape) {
          // Arrow and function keys arrive as ESC [ ... letter: drop the whole sequence.
          if (/[A-Za-z~]/.test(character)) inEscape = false;
          continue;
        }
        if (character === '\r' || character === '\n' || (character === '\u0004' && value === '')) return finish();
        if (character === '\u0003') return finish(new UsageError('cancelled: nothing was stored'));
        if (character === '\u001b') inEscape = true;
        else if (character === '\u007f' || character === '\b') value = Array.from(value).slice(0, -1).join('');
        else if (character === '\u0015') value = '';
        else if (character >= ' ') value += character;
      }
    };

    // Raw mode turns off the terminal's echo: what is typed or pasted never appears on screen.
    input.setRawMode?.(true);
    output.write(prompt);
    input.on('data', onData);
    input.resume();
  });
}
