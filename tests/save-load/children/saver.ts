/**
 * A child process for the multi-process and crash tests: saves keys
 * `<prefix>/k<i>` for i in [from, to) into one file and prints "done i"
 * after each save returns. Bundled by tests/helpers/bundle.ts.
 *
 * argv: path prefix from to options-json
 */
import { save } from '../../../src/node/index.js';
import { keyValue } from './values.js';

const [path, prefix, from, to, opts] = process.argv.slice(2);
const options = JSON.parse(opts) as Record<string, unknown>;
process.stdout.write('ready\n');
for (let i = Number(from); i < Number(to); i++) {
  save(path, keyValue(prefix, i), { ...options, key: `${prefix}/k${i}` });
  process.stdout.write(`done ${i}\n`);
}
