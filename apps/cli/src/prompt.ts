import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Asks on a terminal without echoing what is typed (the echo goes to a stream that drops it). */
export function promptHidden(question: string, io: CliIo): Promise<string> {
  io.stderr.write(question);
  const mute = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const rl = createInterface({ input: io.stdin, output: mute, terminal: true });
  return new Promise((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      io.stderr.write('\n');
      reject(new Error('Cancelled'));
    });
    rl.question('', (answer) => {
      rl.close();
      io.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** The first line of a piped stdin (`echo "$PASSWORD" | npm run cli -- user:create ...`). */
export async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let data = '';
  for await (const chunk of stdin) {
    data += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (data.includes('\n') || data.length > 4096) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}
