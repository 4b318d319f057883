// Browser tests of the web app: a real `parley serve` (built from this tree
// with go build, on a loopback port with a fresh data directory, SQLite or,
// with PARLEY_E2E_STORE=postgres PARLEY_E2E_POSTGRES_DSN=<admin DSN>, a fresh
// PostgreSQL database) and Debian's chromium driven by playwright-core.
// Alice uses a desktop-sized window, Bob a phone-sized one (390 × 844).
// Screenshots go to PARLEY_SCREENSHOTS (default <repo>/artifacts/screenshots);
// the DOM is checked for the key elements at the moment of each one.
//
//   node test/run.mjs     (CHROMIUM=/path/to/chromium to use another browser)
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { flows } from './flows.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const shots = path.resolve(process.env.PARLEY_SCREENSHOTS || path.join(root, 'artifacts/screenshots'));

function findChromium() {
  for (const c of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)) {
    if (existsSync(c)) return c;
  }
  throw new Error('no chromium: install Debian\'s (apt-get install -y chromium) or set CHROMIUM');
}

/** Starts parley serve and resolves with the app's URL from its banner. */
function startServer(bin, dataDir, env) {
  const proc = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data', dataDir], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err = (err + d).slice(-20000)));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parley serve printed no web app URL in 30 s:\n${out}\n${err}`)), 30_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /Web app: (http:\/\/\S+\/app\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`parley serve exited ${code}:\n${out}\n${err}`)));
  });
  return { proc, url, logs: () => err };
}

const work = mkdtempSync(path.join(tmpdir(), 'parley-webapp-test-'));
const bin = path.join(work, 'parley');
let server;
let browser;
let dropDatabase = () => {};
let failed = false;
try {
  execFileSync('go', ['build', '-o', bin, './cmd/parley'], { cwd: root, stdio: 'inherit' });
  const env = {};
  if (process.env.PARLEY_E2E_STORE === 'postgres') {
    const admin = process.env.PARLEY_E2E_POSTGRES_DSN;
    if (!admin) throw new Error('PARLEY_E2E_STORE=postgres needs PARLEY_E2E_POSTGRES_DSN');
    const name = `parley_webapp_${process.pid}_${Date.now()}`;
    execFileSync('psql', [admin, '-qAtc', `CREATE DATABASE ${name}`], { stdio: 'inherit' });
    dropDatabase = () => execFileSync('psql', [admin, '-qAtc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'inherit' });
    const u = new URL(admin);
    u.pathname = '/' + name;
    Object.assign(env, { PARLEY_STORE: 'postgres', PARLEY_POSTGRES_DSN: u.toString() });
  }
  server = startServer(bin, path.join(work, 'data'), env);
  const url = await server.url;
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  console.log(`web app under test: ${url} (store ${env.PARLEY_STORE ?? 'sqlite'})`);
  browser = await chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const only = process.argv.slice(2);
  for (const [name, flow] of Object.entries(flows)) {
    if (only.length && !only.includes(name)) continue;
    const started = Date.now();
    try {
      await flow({ browser, url, shots });
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed = true;
      console.error(`FAIL ${name}: ${e?.stack ?? e}`);
    }
  }
} catch (e) {
  failed = true;
  console.error(e?.stack ?? e);
  if (server) console.error('server log tail:\n' + server.logs().slice(-4000));
} finally {
  await browser?.close().catch(() => {});
  server?.proc.kill('SIGTERM');
  try {
    dropDatabase();
  } catch (e) {
    console.error('dropping the test database:', e?.message ?? e);
  }
  rmSync(work, { recursive: true, force: true });
  console.log(`screenshots: ${shots}`);
}
process.exit(failed ? 1 : 0);
