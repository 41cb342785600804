import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSecretValue, type SecretInput } from '../../../shared/cli/readSecretValue';
import { UsageError } from '../../../shared/cli/usageError';

/** A stand-in terminal: raw-mode switches are recorded, and whatever is "typed" is written to it. */
function fakeTerminal() {
  const stream = new PassThrough() as PassThrough & SecretInput;
  const rawModes: boolean[] = [];
  stream.isTTY = true;
  stream.isRaw = false;
  stream.setRawMode = (mode: boolean) => {
    rawModes.push(mode);
    stream.isRaw = mode;
    return stream;
  };
  let shown = '';
  const output = { write: (text: string) => void (shown += text) };
  return { stream, rawModes, output, shown: () => shown };
}

describe('readSecretValue', () => {
  it('reads a piped value whole, dropping one trailing line break', async () => {
    const pipe = new PassThrough();
    pipe.end('line one\nline two\r\n');
    expect(await readSecretValue('unused', pipe, { write: () => undefined })).toBe('line one\nline two');
  });

  it('prompts on a terminal without echoing what is typed', async () => {
    const terminal = fakeTerminal();
    const reading = readSecretValue("value for secret 'x' (input hidden): ", terminal.stream, terminal.output);
    terminal.stream.write('s3cr3t-typo');
    terminal.stream.write('\u007f\u007f\u007f\u007fvalue\u001b[D\r');
    expect(await reading).toBe('s3cr3t-value');
    expect(terminal.shown()).toBe("value for secret 'x' (input hidden): \n");
    expect(terminal.rawModes).toEqual([true, false]);
  });

  it('cancels on Ctrl-C and restores the terminal', async () => {
    const terminal = fakeTerminal();
    const reading = readSecretValue('value: ', terminal.stream, terminal.output);
    terminal.stream.write('abc\u0003');
    await expect(reading).rejects.toBeInstanceOf(UsageError);
    expect(terminal.rawModes).toEqual([true, false]);
  });
});
