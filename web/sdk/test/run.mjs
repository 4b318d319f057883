// Runs vitest with a global WebSocket: Node 22 and later have one; Node 20
// needs --experimental-websocket, added here only when it is missing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
if (typeof globalThis.WebSocket === 'undefined') {
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --experimental-websocket`.trim();
}
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const r = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
