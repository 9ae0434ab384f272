// Node, Deno and Bun: run the bundled smoke and print its JSON line.
import { runSmoke } from './smoke.bundle.mjs';

console.log(JSON.stringify(await runSmoke()));
