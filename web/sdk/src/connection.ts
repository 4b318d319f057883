// One WebSocket of Parley's protocol (docs/protocol.md): requests matched to
// their answers by id, pushes handed to the owner in arrival order, and the
// socket's end reported once.

import type { WebSocketConstructor, WebSocketLike } from './types.js';

export interface Frame {
  v: number;
  id?: string;
  op?: string;
  code?: number;
  info?: string;
  requestID?: string;
  push?: string;
  seq?: number;
  data?: any;
}

/** A failed request or a lost connection, with Tencent's or the protocol's code. */
export class ChatError extends Error {
  code: number;
  data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

// Codes the SDK itself answers (Tencent SDK values where there is one).
export const CODE_TIMEOUT = 6012; // no answer within the request timeout
export const CODE_NOT_LOGGED_IN = 6014;
export const CODE_INVALID = 6017;
export const CODE_DISCONNECTED = 2800; // the connection was lost before the answer came

interface Pending {
  resolve: (f: Frame) => void;
  reject: (e: ChatError) => void;
  timer: ReturnType<typeof setTimeout>;
  bytes: number;
}

// The server closes a connection with more than 64 requests or 1 MiB unanswered (docs/protocol.md, "Limits"):
// the client keeps well under both and holds the rest back, in order, until answers come.
const MAX_IN_FLIGHT = 32;
const MAX_IN_FLIGHT_BYTES = 512 * 1024;

export class Connection {
  private ws: WebSocketLike;
  private nextID = 1;
  private pending = new Map<string, Pending>();
  private inFlightBytes = 0;
  private held: { id: string; frame: string }[] = []; // sent in order as room is made
  private ended = false;
  readonly opened: Promise<void>;

  constructor(
    url: string,
    WS: WebSocketConstructor,
    private requestTimeout: number,
    private onPush: (f: Frame) => void,
    private onEnd: (code: number, reason: string) => void,
  ) {
    this.ws = new WS(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      // Browsers fire close after error, Node's WebSocket may fire error alone: either ends the connection once.
      this.ws.onerror = () => {
        reject(new ChatError(CODE_DISCONNECTED, 'cannot connect to ' + url));
        this.end(1006, 'socket error');
      };
    });
    // Nobody may wait on opened (the socket died later): no unhandled rejection.
    this.opened.catch(() => {});
    this.ws.onmessage = (ev) => this.receive(ev.data);
    this.ws.onclose = (ev) => this.end(ev.code, ev.reason);
  }

  /** Sends op and resolves with the answer frame whatever its code; rejects only when no answer comes. */
  request(op: string, data: unknown = {}): Promise<Frame> {
    if (this.ended) return Promise.reject(new ChatError(CODE_DISCONNECTED, 'connection closed'));
    const id = String(this.nextID++);
    const frame = JSON.stringify({ v: 1, id, op, data });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.held = this.held.filter((h) => h.id !== id);
        this.forget(id);
        reject(new ChatError(CODE_TIMEOUT, `${op}: no answer within ${this.requestTimeout} ms`));
      }, this.requestTimeout);
      this.pending.set(id, { resolve, reject, timer, bytes: 0 });
      this.held.push({ id, frame });
      this.flush();
    });
  }

  /** Sends held frames while the in-flight bounds allow (a frame alone may pass the byte bound). */
  private flush(): void {
    while (this.held.length && !this.ended) {
      const { id, frame } = this.held[0];
      const inFlight = this.pending.size - this.held.length;
      if (inFlight >= MAX_IN_FLIGHT || (inFlight > 0 && this.inFlightBytes + frame.length > MAX_IN_FLIGHT_BYTES)) return;
      this.held.shift();
      const p = this.pending.get(id);
      if (!p) continue;
      p.bytes = frame.length;
      this.inFlightBytes += frame.length;
      try {
        this.ws.send(frame);
      } catch (e) {
        clearTimeout(p.timer);
        this.forget(id);
        p.reject(new ChatError(CODE_DISCONNECTED, String(e)));
      }
    }
  }

  private forget(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.inFlightBytes -= p.bytes;
    this.flush();
  }

  close(code = 1000): void {
    try {
      this.ws.close(code);
    } catch {
      // already closing
    }
    this.end(code, 'closed by the client');
  }

  private receive(raw: unknown): void {
    let f: Frame;
    try {
      f = JSON.parse(String(raw));
    } catch {
      return; // the server only sends JSON; anything else is ignored
    }
    if (f.push) {
      this.onPush(f);
      return;
    }
    const p = f.id !== undefined ? this.pending.get(f.id) : undefined;
    if (p) {
      clearTimeout(p.timer);
      this.forget(f.id!);
      p.resolve(f);
    }
  }

  private end(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.ws.onmessage = null;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ChatError(CODE_DISCONNECTED, 'connection lost before the answer'));
    }
    this.pending.clear();
    this.held = [];
    this.inFlightBytes = 0;
    this.onEnd(code, reason);
  }
}
