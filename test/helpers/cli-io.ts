import { PassThrough, Readable } from 'node:stream';

/** Streams for running a subcommand in-process: empty stdin, captured stdout and stderr. */
export function cliIo() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (b: Buffer) => (o += b.toString()));
  stderr.on('data', (b: Buffer) => (e += b.toString()));
  return { stdin: Readable.from([]), stdout, stderr, out: () => o, err: () => e };
}
