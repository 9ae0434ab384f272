// workerd (through miniflare): a module Worker whose fetch handler runs the bundled smoke.
import { runSmoke } from './smoke.bundle.mjs';

export default {
  async fetch() {
    try {
      return new Response(JSON.stringify(await runSmoke()), { headers: { 'content-type': 'application/json' } });
    } catch (e) {
      return new Response(String((e && e.stack) || e), { status: 500 });
    }
  },
};
