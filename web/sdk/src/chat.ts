// The chat instance: Tencent's Web SDK API over Parley's protocol, with the
// Go SDK's guarantees. Every listener event goes through one serial task
// queue in the order the server's frames arrived, so listeners see changes
// in order; each change-log entry is applied once (pushes at or below the
// applied seq are duplicates, a gap is filled by `sync`), and each message
// is reported once (a per-conversation seq: a push at or below the highest
// reported one is a duplicate, a jump is filled by `msg.history`, and after
// a reconnect the head of the conversation list tells what was missed).

import { EVENT, TYPES, kickReasonByProtocol, relationByProtocol, remindTypeByRecvOpt } from './constants.js';
import { ChatError, CODE_DISCONNECTED, CODE_INVALID, CODE_NOT_LOGGED_IN, CODE_TIMEOUT, Connection, type Frame } from './connection.js';
import {
  contentOf,
  emptyProfile,
  friendCustomInfo,
  fromProtocolConversationID,
  peerOf,
  seqOfMsgKey,
  toConversation,
  toFriend,
  toFriendApplication,
  toMessage,
  toProfile,
  toProtocolConversationID,
  toProtocolMark,
  toSetSelf,
} from './convert.js';
import { Groups, type CreateGroupOptions, type HandleGroupApplicationOptions, type UpdateGroupProfileOptions } from './group.js';
import { targetOf } from './group-convert.js';
import { Statuses } from './status.js';
import type {
  ChatEvent,
  ChatResponse,
  Conversation,
  CreateOptions,
  Friend,
  FriendApplication,
  FriendGroup,
  Message,
  MessagePayload,
  Profile,
  UserResult,
  WebSocketConstructor,
} from './types.js';

type Handler = (event: ChatEvent<any>) => void;

// Bounds of what the instance keeps: conversations listed (10 pages of 100)
// and messages a catch-up reports per conversation (older ones stay in history).
const MAX_CONVERSATIONS = 1000;
const CATCH_UP_LIMIT = 1000;
const HISTORY_PAGE = 100;
const MESSAGE_LIST_PAGE = 15;
const RETRIABLE = /^(msg\.send|msg\.history|sync|ping|user\.get|friend\.(list|info|check)|friend_request\.list|friend_group\.list|block\.list|conversation\.(list|get|sync|totalUnread)|conversation_group\.list|group\.(getInfo|getJoinedList|getMembers|getMemberInfo|getApplications))$/;

type State = 'idle' | 'connecting' | 'online' | 'offline' | 'kicked' | 'loggedOut';

function ok<T>(data: T): ChatResponse<T> {
  return { code: 0, data };
}

export interface TextMessageOptions {
  to: string;
  conversationType: string;
  payload: { text: string };
  cloudCustomData?: string;
  needReadReceipt?: boolean;
  priority?: string;
}
/** Parley sends images and files by URL (no upload service). */
export interface ImageMessageOptions {
  to: string;
  conversationType: string;
  payload: { url: string; width?: number; height?: number; size?: number; uuid?: string; imageFormat?: number };
  cloudCustomData?: string;
  needReadReceipt?: boolean;
  priority?: string;
}
export interface CustomMessageOptions {
  to: string;
  conversationType: string;
  payload: { data: string; description?: string; extension?: string };
  cloudCustomData?: string;
  needReadReceipt?: boolean;
  priority?: string;
}
export interface FileMessageOptions {
  to: string;
  conversationType: string;
  payload: { url: string; fileName: string; fileSize?: number; uuid?: string };
  cloudCustomData?: string;
  needReadReceipt?: boolean;
  priority?: string;
}

export class ChatSDK {
  private readonly SDKAppID: number;
  private readonly url: string;
  private readonly WS: WebSocketConstructor;
  private readonly platform: string;
  private readonly reconnectMin: number;
  private readonly reconnectMax: number;
  private readonly requestTimeout: number;

  private listeners = new Map<string, { handler: Function; context?: any }[]>();
  private state: State = 'idle';
  private conn: Connection | null = null;
  private userID = '';
  private userSig = '';
  private serverTimeOffset = 0;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private online: Promise<void> = Promise.resolve();
  private setOnline: () => void = () => {};
  private failOnline: (e: ChatError) => void = () => {};
  private ready = false;
  private primed = false; // the first login's state was read: later reconnects resync from it

  // The serial task queue every listener event is emitted from.
  private queue: Promise<void> = Promise.resolve();
  private eventSeq = 0; // the highest change-log seq applied
  // Per conversation (Tencent ID): the highest message seq reported or known.
  private seen = new Map<string, number>();
  // Seqs above seen of messages this instance sent, and randoms of its sends in flight.
  private ownSeqs = new Map<string, Set<number>>();
  private sending = new Map<string, Set<number>>();
  private peerRead = new Map<string, number>(); // per conversation: the peer's read seq last reported
  private conversations: Conversation[] = [];
  private totalUnread = 0;
  private refreshQueued = false;
  private profiles = new Map<string, Profile>();
  private friendRemarks = new Map<string, string>();
  private localID = 0;
  // Groups: the group.* API and the group events, told from this instance's queue.
  private readonly groups = new Groups({
    me: () => this.userID,
    nowMs: () => Date.now() + this.serverTimeOffset * 1000,
    call: (op, data) => this.call(op, data),
    emit: (name, data) => this.emit(name, data),
    profiles: async (userIDs) => {
      await this.ensureProfiles(userIDs);
      return this.profiles;
    },
    conversationsChanged: () => this.markConversationsDirty(),
    seenAtLeast: (conversationID, seq) => {
      if (seq > (this.seen.get(conversationID) ?? 0)) this.setSeen(conversationID, seq);
    },
  });

  // User status (status.ts): its subscriptions are made again after a reconnect.
  private readonly statuses = new Statuses({ call: (op, data) => this.call(op, data), emit: (name, data) => this.emit(name, data) });

  constructor(options: CreateOptions) {
    if (!options || typeof options.SDKAppID !== 'number') throw new ChatError(CODE_INVALID, 'create: SDKAppID (a number) is required');
    this.SDKAppID = options.SDKAppID;
    const g = globalThis as any;
    const base = options.server ?? (g.location ? g.location.origin : '');
    if (!base) throw new ChatError(CODE_INVALID, 'create: give server (the Parley address) outside a browser');
    this.url = base.replace(/^http/, 'ws').replace(/\/+$/, '') + '/v1/ws?sdkappid=' + this.SDKAppID;
    const WS = options.WebSocket ?? g.WebSocket;
    if (!WS) throw new ChatError(CODE_INVALID, 'create: this runtime has no WebSocket; pass options.WebSocket');
    this.WS = WS;
    this.platform = options.platform ?? 'Web';
    this.reconnectMin = options.reconnectMinDelay ?? 500;
    this.reconnectMax = options.reconnectMaxDelay ?? 30_000;
    this.requestTimeout = options.requestTimeout ?? 15_000;
  }

  // ---------------------------------------------------------------- events

  /** Listens to an EVENT value; the handler gets `{name, data}`. */
  on(eventName: string, handler: (event: ChatEvent<any>) => void, context?: any): void;
  on(eventName: string, handler: Function, context?: any): void;
  on(eventName: string, handler: Function, context?: any): void {
    const list = this.listeners.get(eventName) ?? [];
    list.push({ handler, context });
    this.listeners.set(eventName, list);
  }

  off(eventName: string, handler: Function, context?: any): void {
    const list = this.listeners.get(eventName);
    if (!list) return;
    this.listeners.set(
      eventName,
      list.filter((l) => l.handler !== handler || (context !== undefined && l.context !== context)),
    );
  }

  private emit(name: string, data: unknown): void {
    for (const l of [...(this.listeners.get(name) ?? [])]) {
      try {
        (l.handler as Handler).call(l.context, { name, data });
      } catch (e) {
        // A throwing listener must not stop the others nor the queue.
        console.error(`parley chat: a ${name} listener threw`, e);
      }
    }
  }

  /** Runs task after every task queued before it; a failing task leaves the state it did not finish for the resync. */
  private enqueue(task: () => Promise<void> | void): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  // ---------------------------------------------------------------- session

  login(options: { userID: string; userSig: string }): Promise<ChatResponse<{ repeatLogin: boolean }>> {
    if (!options?.userID || !options?.userSig) return Promise.reject(new ChatError(CODE_INVALID, 'login: userID and userSig are required'));
    if (this.state === 'online' || this.state === 'offline') {
      if (this.userID === options.userID) return Promise.resolve(ok({ repeatLogin: true }));
      return this.logout().then(() => this.login(options)); // another user: this session ends first
    }
    if (this.state === 'connecting') return Promise.reject(new ChatError(CODE_INVALID, 'login: a login is in progress'));
    this.userID = options.userID;
    this.userSig = options.userSig;
    this.eventSeq = -1; // taken from the first login's answer
    this.primed = false;
    this.seen.clear();
    this.ownSeqs.clear();
    this.peerRead.clear();
    this.conversations = [];
    this.totalUnread = 0;
    this.groups.reset();
    this.statuses.reset();
    this.ready = false;
    this.state = 'connecting';
    this.resetOnline();
    return this.connect().then(
      () => ok({ repeatLogin: false }),
      (e) => {
        this.state = 'idle';
        this.failOnline(e); // requests made during the login fail with it
        throw e;
      },
    );
  }

  /** Opens a socket and logs in with the session's UserSig; the first time it also primes the state. */
  private async connect(): Promise<void> {
    const conn = new Connection(this.url, this.WS, this.requestTimeout, (f) => this.onPush(conn, f), (code) => this.onEnd(conn, code));
    this.conn = conn;
    await conn.opened;
    const f = await conn.request('login', { userID: this.userID, userSig: this.userSig, platform: this.platform });
    if (conn !== this.conn || this.state === 'loggedOut' || this.state === 'kicked') {
      conn.close(); // logged out meanwhile
      throw new ChatError(CODE_NOT_LOGGED_IN, 'logged out during the login');
    }
    if (f.code) {
      conn.close();
      throw new ChatError(f.code, f.info || 'login failed');
    }
    const d = f.data ?? {};
    this.serverTimeOffset = (d.serverTime ?? Date.now() / 1000) - Date.now() / 1000;
    const first = this.eventSeq < 0;
    if (first) this.eventSeq = d.eventSeq ?? 0;
    this.state = 'online';
    this.attempt = 0;
    this.startHeartbeat(conn, d.heartbeat ?? 30);
    this.setOnline();
    // Told at once, not through the queue: a task there may be waiting for this very connection.
    this.emit(EVENT.NET_STATE_CHANGE, { state: TYPES.NET_STATE_CONNECTED });
    if (!this.primed) {
      // The first login, or a reconnect before the first priming finished: what is in the list now is history.
      this.enqueue(async () => {
        if (!first) await this.syncLog();
        await this.primeMessages();
        await this.groups.prime();
        await this.refreshConversations(false);
        this.primed = true;
        this.ready = true;
        this.emit(EVENT.SDK_READY, {});
      });
    } else {
      this.enqueue(() => this.resync());
    }
  }

  private startHeartbeat(conn: Connection, seconds: number): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      conn.request('ping').catch(() => conn.close(4000));
    }, Math.max(1, seconds) * 500);
    (this.heartbeat as any).unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private onEnd(conn: Connection, _code: number): void {
    if (conn !== this.conn) return;
    this.stopHeartbeat();
    // Only a session that was online starts reconnecting: a failed attempt is retried by scheduleReconnect's own
    // catch, and a kicked, logged-out or never logged-in one does not come back.
    if (this.state !== 'online') return;
    this.state = 'offline';
    this.resetOnline();
    this.emit(EVENT.NET_STATE_CHANGE, { state: TYPES.NET_STATE_CONNECTING });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = Math.min(this.reconnectMax, this.reconnectMin * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt = Math.min(this.attempt + 1, 16);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state !== 'offline') return;
      this.connect().catch((e: ChatError) => {
        if (this.state !== 'offline') return;
        if (e.code === 6206 || e.code === 70001) {
          // The UserSig expired or was voided while away: the session cannot come back by itself.
          this.endSession('kicked');
          this.enqueue(() => {
            this.emit(EVENT.KICKED_OUT, { type: TYPES.KICKED_OUT_USERSIG_EXPIRED });
            this.emit(EVENT.SDK_NOT_READY, {});
          });
          return;
        }
        this.scheduleReconnect();
      });
    }, delay);
  }

  /** A fresh promise of the next login, which requests made while offline wait for. */
  private resetOnline(): void {
    this.online = new Promise((resolve, reject) => {
      this.setOnline = resolve;
      this.failOnline = reject;
    });
    this.online.catch(() => {}); // nobody may be waiting
  }

  private endSession(state: 'kicked' | 'loggedOut'): void {
    // Requests waiting for a reconnect (a queue task's included) fail now, so the queue reaches what follows.
    this.failOnline(new ChatError(CODE_NOT_LOGGED_IN, state === 'kicked' ? 'kicked out' : 'logged out'));
    this.state = state;
    this.ready = false;
    this.stopHeartbeat();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  logout(): Promise<ChatResponse<{}>> {
    const conn = this.conn;
    const wasOnline = this.state === 'online';
    this.endSession('loggedOut');
    this.conn = null;
    if (!conn) return Promise.resolve(ok({}));
    const done = wasOnline ? conn.request('logout').catch(() => undefined) : Promise.resolve(undefined);
    return done.then(() => {
      conn.close();
      this.enqueue(() => this.emit(EVENT.SDK_NOT_READY, {}));
      return ok({});
    });
  }

  destroy(): Promise<void> {
    return this.logout().then(() => {
      this.listeners.clear();
    });
  }

  /** Kicked or logged out: nothing reconnects (a method, so a check after an await is not narrowed away). */
  private sessionEnded(): boolean {
    return this.state === 'kicked' || this.state === 'loggedOut' || this.state === 'idle';
  }

  getLoginUser(): string {
    return this.userID;
  }

  getServerTime(): number {
    return Math.floor(Date.now() / 1000 + this.serverTimeOffset);
  }

  isReady(): boolean {
    return this.ready;
  }

  // ---------------------------------------------------------------- requests

  /** One request on the logged-in session (waiting for a reconnect, up to the request timeout); a non-zero code rejects. */
  private async call(op: string, data: unknown = {}): Promise<any> {
    const f = await this.callFrame(op, data);
    if (f.code) throw new ChatError(f.code, f.info || op + ' failed', f.data);
    return f.data ?? {};
  }

  private async callFrame(op: string, data: unknown, retried = false): Promise<Frame> {
    if (this.state !== 'online' && this.state !== 'offline' && this.state !== 'connecting') {
      throw new ChatError(CODE_NOT_LOGGED_IN, 'not logged in: call login first');
    }
    if (this.state !== 'online') {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ChatError(CODE_TIMEOUT, `${op}: not connected within ${this.requestTimeout} ms`)), this.requestTimeout);
      });
      try {
        await Promise.race([this.online, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    const conn = this.conn;
    if (!conn) throw new ChatError(CODE_DISCONNECTED, 'not connected');
    try {
      return await conn.request(op, data);
    } catch (e) {
      // A request the dropped connection took with it is asked again after the reconnect when asking twice is
      // harmless: reads, and msg.send, which the server keeps idempotent by clientMsgID.
      if ((e as ChatError).code === CODE_DISCONNECTED && !retried && RETRIABLE.test(op) && !this.sessionEnded()) {
        return this.callFrame(op, data, true);
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- pushes

  private onPush(conn: Connection, f: Frame): void {
    if (conn !== this.conn) return;
    if (f.push === 'kicked') {
      const type = kickReasonByProtocol[f.data?.reason] ?? String(f.data?.reason ?? '');
      this.endSession('kicked');
      this.enqueue(() => {
        this.emit(EVENT.KICKED_OUT, { type });
        this.emit(EVENT.SDK_NOT_READY, {});
      });
      return;
    }
    if (f.push === 'user.status_changed') {
      this.enqueue(() => this.statuses.applyPush(f.data)); // live only, no seq
      return;
    }
    this.enqueue(() => this.applyPush(f));
  }

  private async applyPush(f: Frame): Promise<void> {
    if (typeof f.seq === 'number') {
      if (f.seq <= this.eventSeq) return; // applied already
      if (f.seq === this.eventSeq + 1) {
        await this.applyLog([{ kind: f.push!, userIDs: f.data?.userIDs ?? [] }]);
        this.eventSeq = f.seq;
        return;
      }
      await this.syncLog();
      return;
    }
    await this.applyMessagePush(f.push!, f.data ?? {});
  }

  /** Applies change-log entries: each list they touch is read once and its listeners told, in the order first touched. */
  private async applyLog(events: { kind: string; userIDs?: string[] }[]): Promise<void> {
    const touched: string[] = [];
    const profileUsers = new Set<string>();
    const groupEvents: { kind: string; userIDs?: string[] }[] = [];
    const touch = (what: string) => {
      if (!touched.includes(what)) touched.push(what);
    };
    for (const e of events) {
      const k = e.kind;
      if (k.startsWith('friend_request.')) touch('requests');
      else if (k === 'friend_group.changed') touch('friendGroups');
      else if (k.startsWith('friend.')) touch('friends');
      else if (k.startsWith('block.')) touch('blocklist');
      else if (k === 'profile.updated') {
        touch('profiles');
        for (const u of e.userIDs ?? []) profileUsers.add(u);
      } else if (k.startsWith('conversation_group.')) touch('conversationGroups');
      else if (k.startsWith('conversation.') || k === 'recv_opt.changed') touch('conversations');
      else if (k.startsWith('group.')) {
        touch('groups');
        groupEvents.push(e);
      }
    }
    for (const what of touched) {
      switch (what) {
        case 'friends': {
          const list = await this.loadFriends();
          this.emit(EVENT.FRIEND_LIST_UPDATED, list);
          this.markConversationsDirty(); // conversations show the friend's remark
          break;
        }
        case 'requests':
          this.emit(EVENT.FRIEND_APPLICATION_LIST_UPDATED, await this.loadApplications());
          break;
        case 'friendGroups':
          this.emit(EVENT.FRIEND_GROUP_LIST_UPDATED, await this.loadFriendGroups());
          break;
        case 'blocklist':
          this.emit(EVENT.BLACKLIST_UPDATED, await this.loadBlocklist());
          break;
        case 'profiles': {
          const users = await this.loadProfiles([...profileUsers]);
          for (const p of users) this.profiles.set(p.userID, p);
          this.emit(EVENT.PROFILE_UPDATED, users);
          this.markConversationsDirty(); // conversations show the peer's profile
          break;
        }
        case 'conversationGroups':
          this.emit(EVENT.CONVERSATION_GROUP_LIST_UPDATED, await this.loadConversationGroups());
          break;
        case 'conversations':
          await this.refreshConversations(true);
          break;
        case 'groups':
          await this.groups.applyLog(groupEvents);
          break;
      }
    }
  }

  /** Reads the change log after the applied seq to its end, applies it, then records the new seq. */
  private async syncLog(): Promise<void> {
    let after = this.eventSeq;
    const events: { kind: string; userIDs?: string[] }[] = [];
    for (;;) {
      const d = await this.call('sync', { after, limit: 500 });
      if (d.reset) {
        // Entries were pruned: everything is read afresh.
        await this.applyLog(['friend.added', 'friend_request.added', 'friend_group.changed', 'block.added', 'conversation.changed', 'group.joined'].map((kind) => ({ kind })));
        this.eventSeq = d.latestSeq;
        return;
      }
      for (const e of d.events ?? []) {
        events.push(e);
        after = e.seq;
      }
      if (d.complete || !(d.events ?? []).length) break;
    }
    if (events.length) await this.applyLog(events);
    this.eventSeq = Math.max(this.eventSeq, after);
  }

  private async resync(): Promise<void> {
    await this.statuses.resubscribe();
    await this.syncLog();
    await this.catchUpMessages();
    await this.groups.resync();
    await this.refreshConversations(true);
  }

  private async applyMessagePush(kind: string, d: any): Promise<void> {
    const me = this.userID;
    switch (kind) {
      case 'msg.new': {
        const m = toMessage(d, me);
        if (!m.sequence) {
          this.emit(EVENT.MESSAGE_RECEIVED, [m]); // online-only: no seq, never stored
          return;
        }
        await this.deliverUpTo(m.conversationID, m.sequence, d);
        return;
      }
      case 'msg.recalled': {
        const peer = d.from === me ? d.to : d.from;
        const conversationID = d.groupID ? TYPES.CONV_GROUP + d.groupID : TYPES.CONV_C2C + peer;
        let msg: Message | undefined;
        try {
          const h = await this.call('msg.history', { ...targetOf(conversationID), seq: d.seq, count: 1 });
          const found = (h.messages ?? []).find((x: any) => x.msgKey === d.msgKey);
          if (found) msg = toMessage(found, me);
        } catch {
          // deleted for this user meanwhile: report what the push says
        }
        msg ??= { ...toMessage({ msgKey: d.msgKey, from: d.from, to: d.to, seq: d.seq, status: 'recalled', groupID: d.groupID }, me), conversationID };
        msg.isRevoked = true;
        this.emit(EVENT.MESSAGE_REVOKED, [msg]);
        this.markConversationsDirty();
        return;
      }
      case 'msg.modified':
        this.emit(EVENT.MESSAGE_MODIFIED, [toMessage(d, me)]);
        this.markConversationsDirty();
        return;
      case 'msg.read':
        if (d.from !== me) await this.reportPeerRead(d.from, d.seq);
        else this.markConversationsDirty();
        return;
      case 'msg.receipt':
        this.emit(
          EVENT.MESSAGE_READ_RECEIPT_RECEIVED,
          (d.msgKeys ?? []).map((k: string) => ({ conversationID: TYPES.CONV_C2C + d.from, messageID: k, readCount: 1, unreadCount: 0 })),
        );
        return;
      default:
        if (kind.startsWith('group.')) {
          await this.groups.applyPush(kind, d);
          return;
        }
        // msg.deleted, conversation.cleared, and pushes of later versions: the list tells.
        this.markConversationsDirty();
    }
  }

  /**
   * MESSAGE_READ_BY_PEER: this user's messages the peer read up to seq, from after the last read reported (at most
   * the newest 100; on the first report of a session, those of the last 100 seqs), with isPeerRead true.
   */
  private async reportPeerRead(peer: string, seq: number): Promise<void> {
    const conversationID = TYPES.CONV_C2C + peer;
    const before = this.peerRead.get(conversationID) ?? 0;
    if (seq <= before) return;
    this.peerRead.set(conversationID, seq);
    const h = await this.call('msg.history', { userID: peer, seq, count: Math.min(HISTORY_PAGE, seq - before) });
    const read = (h.messages ?? [])
      .filter((m: any) => m.from === this.userID && m.seq > before && m.status !== 'recalled')
      .map((m: any) => ({ ...toMessage(m, this.userID), isPeerRead: true }))
      .reverse();
    if (read.length) this.emit(EVENT.MESSAGE_READ_BY_PEER, read);
  }

  /** Reports the messages of a conversation up to seq that were not reported yet, in seq order, once. */
  private async deliverUpTo(conversationID: string, seq: number, pushed?: any): Promise<void> {
    const seen = this.seen.get(conversationID) ?? 0;
    if (seq <= seen) return;
    const own = this.ownSeqs.get(conversationID) ?? new Set<number>();
    const sending = this.sending.get(conversationID);
    const target = targetOf(conversationID); // the peer or the group
    const out: Message[] = [];
    const last = pushed ? seq - 1 : seq;
    let next = Math.max(seen + 1, last - CATCH_UP_LIMIT + 1);
    while (next <= last && target) {
      let missing = false;
      for (let s = next; s <= last; s++) if (!own.has(s)) missing = true;
      if (!missing) break;
      const h = await this.call('msg.history', { ...target, seq: next, ascending: true, count: Math.min(HISTORY_PAGE, last - next + 1) });
      const msgs: any[] = h.messages ?? [];
      for (const raw of msgs) {
        if (raw.seq > last) break;
        if (own.has(raw.seq)) continue;
        if (raw.from === this.userID && sending?.has(raw.random)) continue; // this instance's send, answer on its way
        out.push(toMessage(raw, this.userID));
      }
      if (!msgs.length) break;
      next = msgs[msgs.length - 1].seq + 1;
    }
    if (pushed) out.push(toMessage(pushed, this.userID));
    this.setSeen(conversationID, seq);
    if (out.length) this.emit(EVENT.MESSAGE_RECEIVED, out);
    this.markConversationsDirty();
  }

  private setSeen(conversationID: string, seq: number): void {
    this.seen.set(conversationID, seq);
    const own = this.ownSeqs.get(conversationID);
    if (own) for (const s of own) if (s <= seq) own.delete(s);
  }

  /** First login: what is in the list now is history, not news. */
  private async primeMessages(): Promise<void> {
    for (const c of await this.listAll()) this.seen.set(fromProtocolConversationID(c.conversationID), c.lastSeq ?? 0);
  }

  /** After a reconnect: every conversation (one-to-one or group) whose last seq passed what was reported gets its gap reported. */
  private async catchUpMessages(): Promise<void> {
    let nextSeq = '';
    let count = 0;
    for (;;) {
      const d = await this.call('conversation.list', { nextSeq, count: HISTORY_PAGE });
      let caughtUp = false;
      for (const c of d.conversations ?? []) {
        const id = fromProtocolConversationID(c.conversationID);
        const known = this.seen.get(id) ?? 0;
        if ((c.type === 'c2c' || c.type === 'group') && (c.lastSeq ?? 0) > known) await this.deliverUpTo(id, c.lastSeq);
        else if (!c.pinned && (c.lastSeq ?? 0) === known && known > 0) caughtUp = true; // ordered by last message: the rest are older
      }
      count += (d.conversations ?? []).length;
      if (caughtUp || d.isFinished || !d.nextSeq || count >= MAX_CONVERSATIONS) return;
      nextSeq = d.nextSeq;
    }
  }

  private async listAll(): Promise<any[]> {
    const all: any[] = [];
    let nextSeq = '';
    for (;;) {
      const d = await this.call('conversation.list', { nextSeq, count: HISTORY_PAGE });
      all.push(...(d.conversations ?? []));
      this.totalUnread = d.totalUnreadCount ?? this.totalUnread;
      if (d.isFinished || !d.nextSeq || all.length >= MAX_CONVERSATIONS) return all;
      nextSeq = d.nextSeq;
    }
  }

  private markConversationsDirty(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    this.enqueue(() => this.refreshConversations(true));
  }

  /** Reads the conversation list; with notify, tells the listeners when it or the total unread count changed. */
  private async refreshConversations(notify: boolean): Promise<void> {
    this.refreshQueued = false;
    const before = this.totalUnread;
    const raw = await this.listAll();
    const list = await this.conversationsOf(raw);
    const changed = JSON.stringify(list) !== JSON.stringify(this.conversations);
    this.conversations = list;
    if (!notify) return;
    if (changed) this.emit(EVENT.CONVERSATION_LIST_UPDATED, list);
    if (this.totalUnread !== before) this.emit(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, this.totalUnread);
  }

  private async ensureProfiles(userIDs: string[]): Promise<void> {
    const missing = [...new Set(userIDs)].filter((u) => u && !this.profiles.has(u));
    for (const p of await this.loadProfiles(missing)) this.profiles.set(p.userID, p);
  }

  private async loadProfiles(userIDs: string[]): Promise<Profile[]> {
    const out: Profile[] = [];
    for (let i = 0; i < userIDs.length; i += 100) {
      const d = await this.call('user.get', { userIDs: userIDs.slice(i, i + 100) });
      out.push(...(d.users ?? []).map(toProfile));
    }
    return out;
  }

  private async loadFriends(): Promise<Friend[]> {
    const d = await this.call('friend.list');
    const list: Friend[] = (d.friends ?? []).map(toFriend);
    this.friendRemarks = new Map(list.map((f) => [f.userID, f.remark]));
    return list;
  }

  private async loadApplications(): Promise<{ friendApplicationList: FriendApplication[]; unreadCount: number }> {
    const d = await this.call('friend_request.list');
    const reqs: any[] = d.requests ?? [];
    const profiles = new Map((await this.loadProfiles([...new Set(reqs.map((r) => r.userID))])).map((p) => [p.userID, p]));
    return { friendApplicationList: reqs.map((r) => toFriendApplication(r, profiles.get(r.userID))), unreadCount: d.unreadCount ?? 0 };
  }

  private async loadFriendGroups(): Promise<FriendGroup[]> {
    const d = await this.call('friend_group.list', {});
    return (d.groups ?? []).map((g: any) => ({ name: g.name, userIDList: g.userIDs ?? [], count: g.friendCount ?? (g.userIDs ?? []).length }));
  }

  private async loadBlocklist(): Promise<string[]> {
    const d = await this.call('block.list');
    return (d.users ?? []).map((u: any) => u.userID);
  }

  private async loadConversationGroups(): Promise<string[]> {
    const d = await this.call('conversation_group.list');
    return (d.groups ?? []).map((g: any) => g.name);
  }

  // ---------------------------------------------------------------- profiles

  async getMyProfile(): Promise<ChatResponse<Profile>> {
    const [p] = await this.loadProfiles([this.userID]);
    return ok(p ?? emptyProfile(this.userID));
  }

  async getUserProfile(options: { userIDList: string[] }): Promise<ChatResponse<Profile[]>> {
    return ok(await this.loadProfiles(options?.userIDList ?? []));
  }

  async updateMyProfile(options: Record<string, any>): Promise<ChatResponse<Profile>> {
    let data: Record<string, unknown>;
    try {
      data = toSetSelf(options ?? {});
    } catch (e) {
      throw new ChatError(CODE_INVALID, String((e as Error).message));
    }
    await this.call('user.setSelf', data);
    return this.getMyProfile();
  }

  // ---------------------------------------------------------------- friends

  async getFriendList(): Promise<ChatResponse<Friend[]>> {
    return ok(await this.loadFriends());
  }

  async addFriend(options: { to: string; source: string; wording?: string; type?: string; remark?: string; groupName?: string }): Promise<ChatResponse<UserResult>> {
    const f = await this.callFrame('friend.add', {
      userID: options.to,
      addType: options.type === TYPES.SNS_ADD_TYPE_SINGLE ? 'single' : 'both',
      remark: options.remark ?? '',
      groupName: options.groupName ?? '',
      addWording: options.wording ?? '',
      addSource: options.source ?? '',
    });
    // 30539: the request waits for the other user's answer, a success for the caller (seed 000).
    if (f.code && f.code !== 30539) throw new ChatError(f.code, f.info || 'addFriend failed', f.data);
    return ok({ userID: options.to, code: f.code ?? 0, message: f.info ?? '' });
  }

  private splitResults(results: any[], extra?: (r: any) => object) {
    const successUserIDList: any[] = [];
    const failureUserIDList: UserResult[] = [];
    for (const r of results ?? []) {
      if (r.code) failureUserIDList.push({ userID: r.userID, code: r.code, message: r.info ?? '' });
      else successUserIDList.push({ userID: r.userID, code: 0, ...(extra ? extra(r) : {}) });
    }
    return { successUserIDList, failureUserIDList };
  }

  async deleteFriend(options: { userIDList: string[]; type?: string }) {
    const d = await this.call('friend.delete', { userIDs: options.userIDList, type: options.type === TYPES.SNS_DELETE_TYPE_SINGLE ? 'single' : 'both' });
    return ok(this.splitResults(d.results));
  }

  async checkFriend(options: { userIDList: string[]; type: string }) {
    const d = await this.call('friend.check', { userIDs: options.userIDList, type: options.type === TYPES.SNS_CHECK_TYPE_SINGLE ? 'single' : 'both' });
    return ok(this.splitResults(d.results, (r) => ({ relation: relationByProtocol[r.relation] ?? TYPES.SNS_TYPE_NO_RELATION })));
  }

  async getFriendProfile(options: { userIDList: string[] }): Promise<ChatResponse<{ friendList: Friend[]; failureUserIDList: UserResult[] }>> {
    const d = await this.call('friend.info', { userIDs: options.userIDList });
    const friendList: Friend[] = [];
    const failureUserIDList: UserResult[] = [];
    for (const r of d.results ?? []) {
      if (!r.code && r.friend) friendList.push(toFriend(r.friend));
      else failureUserIDList.push({ userID: r.userID, code: r.code || 30001, message: r.info || 'not a friend' });
    }
    return ok({ friendList, failureUserIDList });
  }

  async updateFriend(options: { userID: string; remark?: string; friendCustomField?: { key: string; value: string | number }[] }): Promise<ChatResponse<Friend>> {
    const data: Record<string, unknown> = { userID: options.userID };
    if (options.remark !== undefined) data.remark = options.remark;
    if (options.friendCustomField) data.customInfo = friendCustomInfo(options.friendCustomField);
    await this.call('friend.set', data);
    const { data: info } = await this.getFriendProfile({ userIDList: [options.userID] });
    if (!info.friendList[0]) throw new ChatError(info.failureUserIDList[0]?.code ?? 30001, 'updateFriend: not a friend');
    return ok(info.friendList[0]);
  }

  async getFriendApplicationList() {
    return ok(await this.loadApplications());
  }

  async acceptFriendApplication(options: { userID: string; remark?: string; type: string }) {
    await this.call('friend_request.accept', {
      userID: options.userID,
      type: options.type === TYPES.SNS_APPLICATION_AGREE ? 'agree' : 'agree_and_add',
      remark: options.remark ?? '',
    });
    return ok({ userID: options.userID });
  }

  async refuseFriendApplication(options: { userID: string }) {
    await this.call('friend_request.refuse', { userID: options.userID });
    return ok({ userID: options.userID });
  }

  async deleteFriendApplication(options: { userID: string; type: string }) {
    await this.call('friend_request.delete', { userID: options.userID, type: options.type === TYPES.SNS_APPLICATION_SENT_BY_ME ? 'send_out' : 'come_in' });
    return ok({ userID: options.userID });
  }

  async setFriendApplicationRead() {
    await this.call('friend_request.read');
    return ok({});
  }

  async getBlacklist(): Promise<ChatResponse<string[]>> {
    return ok(await this.loadBlocklist());
  }

  async addToBlacklist(options: { userIDList: string[] }): Promise<ChatResponse<string[]>> {
    const d = await this.call('block.add', { userIDs: options.userIDList });
    return ok((d.results ?? []).filter((r: any) => !r.code).map((r: any) => r.userID));
  }

  async removeFromBlacklist(options: { userIDList: string[] }): Promise<ChatResponse<string[]>> {
    const d = await this.call('block.delete', { userIDs: options.userIDList });
    return ok((d.results ?? []).filter((r: any) => !r.code).map((r: any) => r.userID));
  }

  async getFriendGroupList(): Promise<ChatResponse<FriendGroup[]>> {
    return ok(await this.loadFriendGroups());
  }

  private async friendGroupResult(name: string, results: any[]) {
    const group = (await this.loadFriendGroups()).find((g) => g.name === name) ?? { name, userIDList: [], count: 0 };
    return ok({ friendGroup: group, failureUserIDList: this.splitResults(results).failureUserIDList });
  }

  async createFriendGroup(options: { name: string; userIDList: string[] }) {
    const d = await this.call('friend_group.create', { name: options.name, userIDs: options.userIDList ?? [] });
    return this.friendGroupResult(options.name, d.results);
  }

  async deleteFriendGroup(options: { name: string }) {
    await this.call('friend_group.delete', { names: [options.name] });
    return ok({ name: options.name });
  }

  async addToFriendGroup(options: { name: string; userIDList: string[] }) {
    const d = await this.call('friend_group.add', { name: options.name, userIDs: options.userIDList });
    return this.friendGroupResult(options.name, d.results);
  }

  async removeFromFriendGroup(options: { name: string; userIDList: string[] }) {
    const d = await this.call('friend_group.remove', { name: options.name, userIDs: options.userIDList });
    return this.friendGroupResult(options.name, d.results);
  }

  async renameFriendGroup(options: { oldName: string; newName: string }) {
    await this.call('friend_group.rename', { oldName: options.oldName, newName: options.newName });
    return this.friendGroupResult(options.newName, []);
  }

  // ---------------------------------------------------------------- messages

  private newMessage(options: { to: string; conversationType: string; cloudCustomData?: string; needReadReceipt?: boolean; priority?: string }, type: string, payload: MessagePayload): Message {
    if (!options?.to) throw new ChatError(CODE_INVALID, 'create message: to is required');
    const group = options.conversationType === TYPES.CONV_GROUP;
    if (!group && options.conversationType !== TYPES.CONV_C2C) throw new ChatError(CODE_INVALID, 'create message: conversationType must be CONV_C2C or CONV_GROUP');
    const random = Math.floor(Math.random() * 0x100000000) >>> 0;
    const nowMs = Date.now() + this.serverTimeOffset * 1000;
    return {
      ID: `local-${this.userID}-${Date.now().toString(36)}-${(this.localID++).toString(36)}-${random.toString(36)}`,
      type,
      payload,
      conversationID: (group ? TYPES.CONV_GROUP : TYPES.CONV_C2C) + options.to,
      conversationType: group ? TYPES.CONV_GROUP : TYPES.CONV_C2C,
      to: options.to,
      from: this.userID,
      flow: 'out',
      time: Math.floor(nowMs / 1000),
      status: 'unSend',
      isRevoked: false,
      priority: options.priority ?? TYPES.MSG_PRIORITY_NORMAL,
      nick: '',
      avatar: '',
      isPeerRead: false,
      nameCard: '',
      atUserList: [],
      cloudCustomData: options.cloudCustomData ?? '',
      isDeleted: false,
      isModified: false,
      needReadReceipt: !!options.needReadReceipt,
      readReceiptInfo: { readCount: 0, unreadCount: 1 },
      isBroadcastMessage: false,
      isSupportExtension: false,
      revoker: '',
      revokerInfo: { userID: '', nick: '', avatar: '' },
      revokeReason: '',
      sequence: 0,
      timeMs: nowMs,
      version: 0,
      hasRiskContent: false,
      random,
    };
  }

  createTextMessage(options: TextMessageOptions): Message {
    if (typeof options?.payload?.text !== 'string') throw new ChatError(CODE_INVALID, 'createTextMessage: payload.text is required');
    return this.newMessage(options, TYPES.MSG_TEXT, { text: options.payload.text });
  }

  createImageMessage(options: ImageMessageOptions): Message {
    const p = options?.payload;
    if (typeof p?.url !== 'string' || !p.url) throw new ChatError(CODE_INVALID, 'createImageMessage: Parley sends images by URL: payload.url is required');
    return this.newMessage(options, TYPES.MSG_IMAGE, {
      uuid: p.uuid ?? p.url,
      imageFormat: p.imageFormat ?? 255,
      imageInfoArray: [{ url: p.url, width: p.width ?? 0, height: p.height ?? 0, size: p.size ?? 0, type: 0 }],
    });
  }

  createFileMessage(options: FileMessageOptions): Message {
    const p = options?.payload;
    if (typeof p?.url !== 'string' || !p.url || !p.fileName) throw new ChatError(CODE_INVALID, 'createFileMessage: Parley sends files by URL: payload.url and payload.fileName are required');
    return this.newMessage(options, TYPES.MSG_FILE, { uuid: p.uuid ?? p.url, fileName: p.fileName, fileUrl: p.url, fileSize: p.fileSize ?? 0 });
  }

  createCustomMessage(options: CustomMessageOptions): Message {
    const p = options?.payload;
    if (typeof p?.data !== 'string') throw new ChatError(CODE_INVALID, 'createCustomMessage: payload.data (a string) is required');
    return this.newMessage(options, TYPES.MSG_CUSTOM, { data: p.data, description: p.description ?? '', extension: p.extension ?? '' });
  }

  async sendMessage(message: Message, _options?: unknown): Promise<ChatResponse<{ message: Message }>> {
    if (!message?.ID || message.from !== this.userID) throw new ChatError(CODE_INVALID, 'sendMessage: a message created by this instance is required');
    const conv = message.conversationID;
    const sending = this.sending.get(conv) ?? new Set<number>();
    this.sending.set(conv, sending);
    const random = message.random ?? Math.floor(Math.random() * 0x100000000) >>> 0;
    message.random = random;
    sending.add(random);
    let d: any;
    try {
      const group = message.conversationType === TYPES.CONV_GROUP;
      d = await this.call('msg.send', {
        ...(group ? { groupID: message.to } : { to: message.to }),
        random,
        clientMsgID: message.ID,
        body: { MsgBody: [{ MsgType: message.type, MsgContent: contentOf(message.type, message.payload) }], CloudCustomData: message.cloudCustomData || undefined },
        needReadReceipt: (!group && message.needReadReceipt) || undefined, // not for groups yet
      });
    } catch (e) {
      sending.delete(random);
      message.status = 'fail';
      throw Object.assign(e as ChatError, { data: { message } });
    }
    const sent = toMessage(d.message, this.userID);
    Object.assign(message, { ID: sent.ID, sequence: sent.sequence, time: sent.time, timeMs: sent.timeMs, status: 'success', version: sent.version });
    // Told to the serial queue so a peer's push or a gap fetch ordered around it sees it as this instance's own.
    this.enqueue(() => {
      sending.delete(random);
      if (!sent.sequence) return;
      const seen = this.seen.get(conv) ?? 0;
      if (sent.sequence === seen + 1) this.setSeen(conv, sent.sequence);
      else if (sent.sequence > seen) {
        const own = this.ownSeqs.get(conv) ?? new Set<number>();
        own.add(sent.sequence);
        this.ownSeqs.set(conv, own);
      }
      // Own seqs directly above seen are reported (to nobody) as well.
      const own = this.ownSeqs.get(conv);
      let s = this.seen.get(conv) ?? 0;
      while (own?.has(s + 1)) s++;
      if (s !== this.seen.get(conv)) this.setSeen(conv, s);
      this.markConversationsDirty();
    });
    return ok({ message });
  }

  /** The peer of a one-to-one conversation; the ops the protocol has only for those refuse a group's clearly. */
  private peerOnly(conversationID: string | undefined, what: string): string {
    const peer = peerOf(conversationID ?? '');
    if (!peer) throw new ChatError(CODE_INVALID, `${what}: one-to-one (C2C) conversations only; Parley has no group version of it yet`);
    return peer;
  }

  async getMessageList(options: { conversationID: string; nextReqMessageID?: string }): Promise<ChatResponse<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>> {
    const target = targetOf(options?.conversationID ?? '');
    if (!target) throw new ChatError(CODE_INVALID, 'getMessageList: a C2C or GROUP conversationID is required');
    let seq = 0;
    if (options.nextReqMessageID) {
      seq = seqOfMsgKey(options.nextReqMessageID) - 1;
      if (seq < 1) return ok({ messageList: [], nextReqMessageID: '', isCompleted: true });
    }
    const d = await this.call('msg.history', { ...target, seq, count: MESSAGE_LIST_PAGE });
    const msgs: any[] = d.messages ?? []; // newest first
    const messageList = msgs.map((m) => toMessage(m, this.userID)).reverse();
    const oldest = messageList[0];
    const isCompleted = msgs.length < MESSAGE_LIST_PAGE || !oldest || oldest.sequence <= 1;
    return ok({ messageList, nextReqMessageID: isCompleted || !oldest ? '' : oldest.ID, isCompleted });
  }

  async setMessageRead(options: { conversationID: string }): Promise<ChatResponse<{}>> {
    const target = targetOf(options?.conversationID ?? '');
    if (!target) throw new ChatError(CODE_INVALID, 'setMessageRead: a C2C or GROUP conversationID is required');
    await this.call('msg.read', target);
    await this.enqueue(() => this.refreshConversations(true));
    return ok({});
  }

  async revokeMessage(message: Message): Promise<ChatResponse<{ message: Message }>> {
    const target = targetOf(message?.conversationID ?? '');
    if (!target) throw new ChatError(CODE_INVALID, 'revokeMessage: a message of a C2C or GROUP conversation is required');
    await this.call('msg.recall', { ...target, msgKey: message.ID });
    message.isRevoked = true;
    message.revoker = this.userID;
    this.markConversationsDirty();
    return ok({ message });
  }

  async modifyMessage(message: Message): Promise<ChatResponse<{ message: Message }>> {
    const f = await this.callFrame('msg.modify', {
      userID: this.peerOnly(message?.conversationID, 'modifyMessage'),
      msgKey: message.ID,
      version: message.version ?? 0,
      body: { MsgBody: [{ MsgType: message.type, MsgContent: contentOf(message.type, message.payload) }], CloudCustomData: message.cloudCustomData },
    });
    if (f.code) {
      // 2480: changed meanwhile; data.message is the current one to merge and retry.
      const current = f.data?.message ? toMessage(f.data.message, this.userID) : undefined;
      throw new ChatError(f.code, f.info || 'modifyMessage failed', current ? { message: current } : undefined);
    }
    const m = toMessage(f.data.message, this.userID);
    this.markConversationsDirty();
    return ok({ message: m });
  }

  async deleteMessage(messageList: Message[]): Promise<ChatResponse<{ messageList: Message[] }>> {
    if (!messageList?.length) throw new ChatError(CODE_INVALID, 'deleteMessage: give 1 to 30 messages');
    const conv = messageList[0].conversationID;
    if (messageList.some((m) => m.conversationID !== conv)) throw new ChatError(CODE_INVALID, 'deleteMessage: messages of one conversation');
    await this.call('msg.delete', { userID: this.peerOnly(conv, 'deleteMessage'), msgKeys: messageList.map((m) => m.ID) });
    for (const m of messageList) m.isDeleted = true;
    this.markConversationsDirty();
    return ok({ messageList });
  }

  /** Read receipts for messages the peer sent with needReadReceipt (1–30 of one conversation). */
  async sendMessageReadReceipt(messageList: Message[]): Promise<ChatResponse<{ messageList: Message[] }>> {
    if (!messageList?.length) throw new ChatError(CODE_INVALID, 'sendMessageReadReceipt: give 1 to 30 messages');
    const conv = messageList[0].conversationID;
    if (messageList.some((m) => m.conversationID !== conv)) throw new ChatError(CODE_INVALID, 'sendMessageReadReceipt: messages of one conversation');
    const d = await this.call('msg.receipt', { userID: this.peerOnly(conv, 'sendMessageReadReceipt'), msgKeys: messageList.map((m) => m.ID) });
    const done = new Set<string>(d.msgKeys ?? []);
    return ok({ messageList: messageList.filter((m) => done.has(m.ID)) });
  }

  /** Receive options for one-to-one conversations (groups: not yet). */
  async setMessageRemindType(options: { userIDList?: string[]; groupID?: string; messageRemindType: string }): Promise<ChatResponse<{}>> {
    const opt = (remindTypeByRecvOpt as readonly string[]).indexOf(options?.messageRemindType);
    if (opt < 0) throw new ChatError(CODE_INVALID, 'setMessageRemindType: messageRemindType must be a TYPES.MSG_REMIND_* value');
    if (options.groupID || !options.userIDList?.length) throw new ChatError(CODE_INVALID, 'setMessageRemindType: give userIDList (group conversations are not supported yet)');
    await this.call('user.setC2CReceiveOpt', { userIDs: options.userIDList, opt });
    return ok({});
  }

  // ---------------------------------------------------------------- conversations

  /** Clears this user's history of a conversation; it stays in the list, empty and read. */
  async clearHistoryMessage(conversationID: string): Promise<ChatResponse<{ conversationID: string }>> {
    const peer = peerOf(conversationID ?? '');
    if (!peer) throw new ChatError(CODE_INVALID, 'clearHistoryMessage: a C2C conversationID is required');
    await this.call('msg.clear', { userID: peer });
    await this.enqueue(() => this.refreshConversations(true));
    return ok({ conversationID });
  }

  private conversationResults(results: any[]) {
    return ok({
      successConversationIDList: results.filter((r) => !r.code).map((r) => fromProtocolConversationID(r.conversationID)),
      failureConversationIDList: results.filter((r) => r.code).map((r) => ({ conversationID: fromProtocolConversationID(r.conversationID), code: r.code, message: r.info ?? '' })),
    });
  }

  async markConversation(options: { conversationIDList: string[]; markType: number; enableMark: boolean }) {
    const d = await this.call('conversation.mark', {
      conversationIDs: (options?.conversationIDList ?? []).map(toProtocolConversationID),
      markType: toProtocolMark(options.markType),
      enable: !!options.enableMark,
    });
    return this.conversationResults(d.results ?? []);
  }

  async getConversationGroupList(): Promise<ChatResponse<string[]>> {
    return ok(await this.loadConversationGroups());
  }

  async createConversationGroup(options: { conversationIDList: string[]; groupName: string }) {
    const d = await this.call('conversation_group.create', { name: options.groupName, conversationIDs: options.conversationIDList.map(toProtocolConversationID) });
    return this.conversationResults(d.results ?? []);
  }

  async deleteConversationGroup(groupName: string): Promise<ChatResponse<{}>> {
    await this.call('conversation_group.delete', { name: groupName });
    return ok({});
  }

  async renameConversationGroup(options: { oldName: string; newName: string }): Promise<ChatResponse<{}>> {
    await this.call('conversation_group.rename', { oldName: options.oldName, newName: options.newName });
    return ok({});
  }

  async addConversationsToGroup(options: { conversationIDList: string[]; groupName: string }) {
    const d = await this.call('conversation_group.add', { name: options.groupName, conversationIDs: options.conversationIDList.map(toProtocolConversationID) });
    return this.conversationResults(d.results ?? []);
  }

  async deleteConversationsFromGroup(options: { conversationIDList: string[]; groupName: string }) {
    const d = await this.call('conversation_group.remove', { name: options.groupName, conversationIDs: options.conversationIDList.map(toProtocolConversationID) });
    return this.conversationResults(d.results ?? []);
  }

  async getConversationList(options?: string[] | { type?: string; markType?: number; groupName?: string; hasUnreadCount?: boolean }): Promise<ChatResponse<{ conversationList: Conversation[]; isSyncCompleted: boolean }>> {
    if (Array.isArray(options)) {
      if (!options.length) return ok({ conversationList: [], isSyncCompleted: true });
      const d = await this.call('conversation.get', { conversationIDs: options.map(toProtocolConversationID) });
      return ok({ conversationList: await this.conversationsOf(d.conversations ?? []), isSyncCompleted: true });
    }
    let list: Conversation[];
    if (options?.markType !== undefined || options?.groupName !== undefined) {
      const raw: any[] = [];
      let nextSeq = '';
      for (;;) {
        const d = await this.call('conversation.list', { nextSeq, count: HISTORY_PAGE, markType: options.markType === undefined ? undefined : toProtocolMark(options.markType), groupName: options.groupName });
        raw.push(...(d.conversations ?? []));
        if (d.isFinished || !d.nextSeq || raw.length >= MAX_CONVERSATIONS) break;
        nextSeq = d.nextSeq;
      }
      list = await this.conversationsOf(raw);
    } else {
      await this.enqueue(() => this.refreshConversations(true));
      list = this.conversations;
    }
    if (options?.type) list = list.filter((c) => c.type === options.type);
    if (options?.hasUnreadCount) list = list.filter((c) => c.unreadCount > 0);
    return ok({ conversationList: list, isSyncCompleted: true });
  }

  private async conversationsOf(raw: any[]): Promise<Conversation[]> {
    await this.ensureProfiles(raw.filter((c) => c.type === 'c2c').map((c) => c.userID));
    await this.groups.ensureProfiles(raw.filter((c) => c.type === 'group').map((c) => c.groupID));
    return raw.map((c) =>
      c.type === 'group'
        ? toConversation(c, this.userID, null, '', this.groups.profileOf(c.groupID))
        : toConversation(c, this.userID, this.profiles.get(c.userID) ?? null, this.friendRemarks.get(c.userID) ?? ''),
    );
  }

  async getConversationProfile(conversationID: string): Promise<ChatResponse<{ conversation: Conversation }>> {
    const d = await this.call('conversation.get', { conversationIDs: [toProtocolConversationID(conversationID)] });
    const [c] = await this.conversationsOf(d.conversations ?? []);
    if (c) return ok({ conversation: c });
    // Not in the list yet: an empty conversation with the peer or the group, as Tencent's SDK answers.
    const target = targetOf(conversationID ?? '');
    if (target && 'groupID' in target) {
      const { data } = await this.groups.getGroupProfile({ groupID: target.groupID }); // 10010 for no such group
      return ok({ conversation: toConversation({ conversationID: toProtocolConversationID(conversationID), type: 'group', groupID: target.groupID }, this.userID, null, '', data.group) });
    }
    const peer = peerOf(conversationID);
    if (!peer) throw new ChatError(CODE_INVALID, 'getConversationProfile: unknown conversation ' + conversationID);
    await this.ensureProfiles([peer]);
    return ok({ conversation: toConversation({ conversationID: toProtocolConversationID(conversationID), type: 'c2c', userID: peer }, this.userID, this.profiles.get(peer) ?? null, this.friendRemarks.get(peer) ?? '') });
  }

  async deleteConversation(options: string | { conversationIDList: string[]; clearHistoryMessage?: boolean }) {
    const single = typeof options === 'string';
    const ids = single ? [options] : options.conversationIDList;
    const clear = single ? true : options.clearHistoryMessage !== false; // Tencent's default clears the history
    const d = await this.call('conversation.delete', { conversationIDs: ids.map(toProtocolConversationID), clearMessages: clear });
    await this.enqueue(() => this.refreshConversations(true));
    const results: any[] = d.results ?? [];
    if (single) {
      const r = results[0];
      if (r?.code) throw new ChatError(r.code, r.info || 'deleteConversation failed');
      return ok({ conversationID: options as string });
    }
    return this.conversationResults(results);
  }

  async pinConversation(options: { conversationID: string; isPinned: boolean }) {
    await this.call('conversation.pin', { conversationID: toProtocolConversationID(options.conversationID), pinned: !!options.isPinned });
    return ok({ conversationID: options.conversationID });
  }

  async setConversationDraft(options: { conversationID: string; draftText: string }) {
    await this.call('conversation.setDraft', { conversationID: toProtocolConversationID(options.conversationID), text: options.draftText ?? '' });
    return ok({ conversationID: options.conversationID });
  }

  /** The total of the conversations' unread counts, as of the last list read (synchronous, as in Tencent's SDK). */
  getTotalUnreadMessageCount(): number {
    return this.totalUnread;
  }

  // ---------------------------------------------------------------- groups (group.ts)

  createGroup(options: CreateGroupOptions) { return this.groups.createGroup(options); }
  dismissGroup(groupID: string) { return this.groups.dismissGroup(groupID); }
  updateGroupProfile(options: UpdateGroupProfileOptions) { return this.groups.updateGroupProfile(options); }
  getGroupList(options?: { groupProfileFilter?: string[] }) { return this.groups.getGroupList(options); }
  getGroupProfile(options: { groupID: string; groupCustomFieldFilter?: string[] }) { return this.groups.getGroupProfile(options); }
  searchGroupByID(groupID: string) { return this.groups.searchGroupByID(groupID); }
  joinGroup(options: { groupID: string; applyMessage?: string; type?: string }) { return this.groups.joinGroup(options); }
  quitGroup(groupID: string) { return this.groups.quitGroup(groupID); }
  getGroupMemberList(options: { groupID: string; count?: number; offset?: number | string; filter?: number; role?: string }) { return this.groups.getGroupMemberList(options); }
  getGroupMemberProfile(options: { groupID: string; userIDList: string[]; memberCustomFieldFilter?: string[] }) { return this.groups.getGroupMemberProfile(options); }
  addGroupMember(options: { groupID: string; userIDList: string[] }) { return this.groups.addGroupMember(options); }
  deleteGroupMember(options: { groupID: string; userIDList: string[]; reason?: string; duration?: number }) { return this.groups.deleteGroupMember(options); }
  setGroupMemberRole(options: { groupID: string; userID: string; role: string }) { return this.groups.setGroupMemberRole(options); }
  setGroupMemberMuteTime(options: { groupID: string; userID: string; muteTime: number }) { return this.groups.setGroupMemberMuteTime(options); }
  setGroupMemberNameCard(options: { groupID: string; nameCard: string; userID?: string }) { return this.groups.setGroupMemberNameCard(options); }
  setGroupMemberCustomField(options: { groupID: string; memberCustomField: { key: string; value: unknown }[]; userID?: string }) { return this.groups.setGroupMemberCustomField(options); }
  changeGroupOwner(options: { groupID: string; newOwnerID: string }) { return this.groups.changeGroupOwner(options); }
  getGroupApplicationList() { return this.groups.getGroupApplicationList(); }
  handleGroupApplication(options: HandleGroupApplicationOptions) { return this.groups.handleGroupApplication(options); }

  // ---------------------------------------------------------------- user status (status.ts)

  setSelfStatus(options: { customStatus: string }) { return this.statuses.setSelfStatus(options); }
  getUserStatus(options: { userIDList: string[] }) { return this.statuses.getUserStatus(options); }
  subscribeUserStatus(options: { userIDList: string[] }) { return this.statuses.subscribeUserStatus(options); }
  unsubscribeUserStatus(options?: { userIDList?: string[] | undefined }) { return this.statuses.unsubscribeUserStatus(options); }
}
