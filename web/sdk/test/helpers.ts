// Test helpers: a real `parley serve` on a loopback port with a temporary
// data directory, UserSigs signed with the default app's key (TLSSigAPIv2),
// logged-in chat instances, and event recorders.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { inject } from 'vitest';
import TencentCloudChat, { type ChatSDK, type ChatEvent } from '../src/index.js';

/** TLSSigAPIv2: HMAC-SHA256 over the fields, JSON, zlib, base64 with Tencent's substitutions. */
export function genUserSig(sdkAppID: number, key: string, userID: string, expire = 86400, now = Math.floor(Date.now() / 1000)): string {
  const content = `TLS.identifier:${userID}\nTLS.sdkappid:${sdkAppID}\nTLS.time:${now}\nTLS.expire:${expire}\n`;
  const sig = createHmac('sha256', key).update(content).digest('base64');
  const doc = JSON.stringify({ 'TLS.ver': '2.0', 'TLS.identifier': userID, 'TLS.sdkappid': sdkAppID, 'TLS.expire': expire, 'TLS.time': now, 'TLS.sig': sig });
  return deflateSync(Buffer.from(doc)).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as any).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export class Server {
  proc: ChildProcess | null = null;
  sdkAppID = 0;
  key = '';
  log = '';
  private constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  get address(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<Server> {
    const s = new Server(mkdtempSync(join(tmpdir(), 'parley-websdk-data-')), await freePort());
    await s.run();
    const app = JSON.parse(readFileSync(join(s.dataDir, 'default-app.json'), 'utf8'));
    s.sdkAppID = app.SDKAppID ?? app.sdkappid ?? app.SdkAppID;
    s.key = app.SecretKey ?? app.secret_key ?? app.Key;
    return s;
  }

  /** Starts (or restarts) the process on the same port and data directory, and waits for /readyz. */
  async run(): Promise<void> {
    const bin = inject('parleyBinary');
    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data', this.dataDir, '--log-level', 'warn'];
    // On PostgreSQL every server of the run shares the run's fresh database (global-setup.ts); each has its own
    // default app (a fresh data directory: a new SDKAppID), and rows of different apps never mix.
    const dsn = inject('postgresDSN');
    if (dsn) args.push('--store', 'postgres', '--postgres-dsn', dsn);
    this.proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (b) => (this.log += b));
    this.proc.stderr!.on('data', (b) => (this.log += b));
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const r = await fetch(this.address + '/readyz');
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      if (this.proc.exitCode !== null) throw new Error('parley exited: ' + this.log);
      if (Date.now() > deadline) throw new Error('parley did not become ready: ' + this.log);
      await sleep(50);
    }
  }

  /** SIGKILL: no drain, no close frames; clients see the connection drop. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  userSig(userID: string): string {
    return genUserSig(this.sdkAppID, this.key, userID);
  }

  /** A REST call as the app's administrator. */
  async rest(path: string, body: unknown): Promise<any> {
    const q = `sdkappid=${this.sdkAppID}&identifier=administrator&usersig=${encodeURIComponent(this.userSig('administrator'))}&random=${Math.floor(Math.random() * 1e9)}&contenttype=json`;
    const r = await fetch(`${this.address}/v4/${path}?${q}`, { method: 'POST', body: JSON.stringify(body) });
    return r.json();
  }

  create(extra: Record<string, unknown> = {}): ChatSDK {
    return TencentCloudChat.create({ SDKAppID: this.sdkAppID, server: this.address, ...extra });
  }

  /** A chat instance logged in as userID, resolved once SDK_READY fired. */
  async login(userID: string, extra: Record<string, unknown> = {}): Promise<{ chat: ChatSDK; events: Recorder }> {
    const chat = this.create(extra);
    const events = new Recorder(chat);
    await chat.login({ userID, userSig: this.userSig(userID) });
    await events.next(TencentCloudChat.EVENT.SDK_READY);
    return { chat, events };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Records every event of the names it listens to, in order, and waits for the ones a test expects. */
export class Recorder {
  all: ChatEvent<any>[] = [];
  private waiters: { name: string; pred: (d: any) => boolean; from: number; resolve: (e: ChatEvent<any>) => void }[] = [];

  constructor(chat: ChatSDK) {
    for (const name of Object.values(TencentCloudChat.EVENT)) {
      chat.on(name, (e: ChatEvent<any>) => {
        this.all.push(e);
        this.waiters = this.waiters.filter((w) => {
          if (w.name === e.name && this.all.length - 1 >= w.from && w.pred(e.data)) {
            w.resolve(e);
            return false;
          }
          return true;
        });
      });
    }
  }

  of(name: string): ChatEvent<any>[] {
    return this.all.filter((e) => e.name === name);
  }

  /** Waits for an event named name (after the mark, if given) whose data satisfies pred. */
  next(name: string, pred: (d: any) => boolean = () => true, timeoutMs = 10_000, mark = 0): Promise<ChatEvent<any>> {
    const found = this.all.slice(mark).find((e) => e.name === name && pred(e.data));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${name} within ${timeoutMs} ms; got ${this.all.map((e) => e.name).join(', ')}`)), timeoutMs);
      this.waiters.push({ name, pred, from: mark, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  }

  mark(): number {
    return this.all.length;
  }
}

let uniq = 0;
/** A UserID no other test uses. */
export function user(name: string): string {
  return `${name}_${process.pid}_${uniq++}`;
}
