// Preloaded into a daemon under test (NODE_OPTIONS=--import=<this file>, with
// S1D_MODULE_LOG=<file>): a module loader hook that appends the URL of every module the
// process loads to that file. It observes the real process; nothing is mocked or replaced.
import { register } from 'node:module';

const file = process.env.S1D_MODULE_LOG;
if (file) {
  const hooks = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(file)}, url + '\\n');
  return next(url, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
