// Parley's web chat app: plain TypeScript over the Web SDK (web/sdk, the
// chat.* API of Tencent's Web SDK), served by `parley serve` at /app. One
// page: a login screen, then tabs (chats, friends, groups, me) with a list
// pane and a detail pane; on a narrow screen one pane shows at a time.

import TencentCloudChat, { type ChatSDK, type Conversation, type Friend, type FriendApplication, type FriendGroup, type Group, type GroupApplication, type Message, type Profile } from '../../sdk/src/index.js';
import { fill, h, preserveInputs } from './dom.js';
import { renderLogin, type Session } from './login.js';
import { ChatView } from './chatview.js';
import { renderFriendsList } from './friends.js';
import { renderMe } from './me.js';
import { renderGroupsList, groupsSupported } from './groups.js';

const { EVENT, TYPES } = TencentCloudChat;

export type Tab = 'chats' | 'friends' | 'groups' | 'me';

/** What every screen reads and acts through. */
export class App {
  chat!: ChatSDK;
  me = '';
  tab: Tab = 'chats';
  conversations: Conversation[] = [];
  friends: Friend[] = [];
  applications: FriendApplication[] = [];
  applicationsUnread = 0;
  blocklist: string[] = [];
  friendGroups: FriendGroup[] = [];
  profile: Profile | null = null;
  groups: Group[] = [];
  groupApplications: GroupApplication[] = [];
  totalUnread = 0;
  netState = '';
  view: ChatView | null = null;
  /** The group whose profile and members the detail pane shows, reread when the group changes. */
  groupDetail: { groupID: string; load(): Promise<void> } | null = null;
  /** Group tips told this session, per conversation (the newest 50 of each, for at most 200 groups): a chat opened later shows them. */
  readonly tips = new Map<string, Message[]>();
  /** What the detail pane shows, redrawn when lists change ('' none). */
  detailKey = '';
  private redrawDetail: (() => void) | null = null;

  readonly root = document.getElementById('app')!;
  private shell = h('div', { class: 'shell', 'data-testid': 'shell' });
  private tabs = h('nav', { class: 'tabs', 'aria-label': 'Sections' });
  private listPane = h('aside', { class: 'list-pane', 'data-testid': 'list-pane' });
  private detailPane = h('main', { class: 'detail-pane', 'data-testid': 'detail-pane' });
  private status = h('div', { class: 'netstate', 'data-testid': 'netstate', role: 'status' });
  private toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });

  start(): void {
    document.body.appendChild(this.toasts);
    // A phone's back button (or the browser's) closes the detail pane instead of leaving the app.
    window.addEventListener('popstate', () => {
      if (this.shell.classList.contains('detail-open')) this.closeDetailPane();
    });
    const saved = sessionStorage.getItem('parley.session');
    if (saved) {
      try {
        void this.login(JSON.parse(saved) as Session).catch(() => this.showLogin());
        return;
      } catch {
        sessionStorage.removeItem('parley.session');
      }
    }
    this.showLogin();
  }

  showLogin(message?: string): void {
    fill(this.root, renderLogin(this, message));
  }

  /** Logs in with a session (SDKAppID, userID, userSig); throws the SDK's error. */
  async login(s: Session): Promise<void> {
    const chat = TencentCloudChat.create({ SDKAppID: s.SDKAppID });
    this.chat = chat;
    this.me = s.userID;
    this.listen(chat);
    try {
      await chat.login({ userID: s.userID, userSig: s.userSig });
    } catch (e) {
      await chat.destroy().catch(() => {});
      throw e;
    }
    sessionStorage.setItem('parley.session', JSON.stringify(s));
    this.buildShell();
    await this.reloadAll();
  }

  async logout(): Promise<void> {
    sessionStorage.removeItem('parley.session');
    await this.chat.logout().catch(() => {});
    await this.chat.destroy().catch(() => {});
    this.view = null;
    this.conversations = [];
    this.friends = [];
    this.detailKey = '';
    this.showLogin();
  }

  private listen(chat: ChatSDK): void {
    const mine = (f: (d: any) => void) => (e: { data: any }) => {
      if (this.chat === chat) f(e.data);
    };
    chat.on(EVENT.CONVERSATION_LIST_UPDATED, mine((list: Conversation[]) => {
      this.conversations = list;
      this.refresh();
    }));
    chat.on(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, mine((n: number) => {
      this.totalUnread = n;
      this.renderTabs();
    }));
    chat.on(EVENT.FRIEND_LIST_UPDATED, mine((list: Friend[]) => {
      this.friends = list;
      this.refresh();
    }));
    chat.on(EVENT.FRIEND_APPLICATION_LIST_UPDATED, mine((d: { friendApplicationList: FriendApplication[]; unreadCount: number }) => {
      this.applications = d.friendApplicationList;
      this.applicationsUnread = d.unreadCount;
      this.refresh();
    }));
    chat.on(EVENT.BLACKLIST_UPDATED, mine((list: string[]) => {
      this.blocklist = list;
      this.refresh();
    }));
    chat.on(EVENT.FRIEND_GROUP_LIST_UPDATED, mine((list: FriendGroup[]) => {
      this.friendGroups = list;
      this.refresh();
    }));
    chat.on(EVENT.PROFILE_UPDATED, mine((list: Profile[]) => {
      const mineP = list.find((p) => p.userID === this.me);
      if (mineP) this.profile = mineP;
      this.refresh();
    }));
    chat.on(EVENT.MESSAGE_RECEIVED, mine((list: Message[]) => {
      // Group system notices (a join request, a kick, ...) change the group lists.
      for (const m of list) if (m.type === TYPES.MSG_GRP_TIP) this.keepTip(m);
      if (list.some((m) => m.conversationID === TYPES.CONV_SYSTEM)) void this.reloadGroups();
      else if (this.groupDetail && list.some((m) => m.type === TYPES.MSG_GRP_TIP && m.conversationID === TYPES.CONV_GROUP + this.groupDetail?.groupID)) void this.groupDetail.load();
      this.view?.received(list);
    }));
    chat.on(EVENT.GROUP_LIST_UPDATED, mine((list: Group[]) => {
      this.groups = list;
      this.refresh();
    }));
    chat.on(EVENT.MESSAGE_REVOKED, mine((list) => this.view?.revoked(list)));
    chat.on(EVENT.MESSAGE_MODIFIED, mine((list) => this.view?.modified(list)));
    chat.on(EVENT.MESSAGE_READ_BY_PEER, mine((list) => this.view?.readByPeer(list)));
    chat.on(EVENT.MESSAGE_READ_RECEIPT_RECEIVED, mine((list) => this.view?.receipts(list)));
    chat.on(EVENT.NET_STATE_CHANGE, mine((d: { state: string }) => {
      this.netState = d.state;
      this.renderStatus();
    }));
    chat.on(EVENT.KICKED_OUT, mine((d: { type: string }) => {
      sessionStorage.removeItem('parley.session');
      this.showLogin(`Logged out: ${d.type === TYPES.KICKED_OUT_USERSIG_EXPIRED ? 'the UserSig expired' : 'logged in elsewhere (' + d.type + ')'}`);
    }));
  }

  /** Reads every list once after login. */
  async reloadAll(): Promise<void> {
    const c = this.chat;
    const [convs, friends, apps, blocks, groups, me] = await Promise.all([
      c.getConversationList(),
      c.getFriendList(),
      c.getFriendApplicationList(),
      c.getBlacklist(),
      c.getFriendGroupList(),
      c.getMyProfile(),
    ]);
    this.conversations = convs.data.conversationList;
    this.totalUnread = c.getTotalUnreadMessageCount();
    this.friends = friends.data;
    this.applications = apps.data.friendApplicationList;
    this.applicationsUnread = apps.data.unreadCount;
    this.blocklist = blocks.data;
    this.friendGroups = groups.data;
    this.profile = me.data;
    if (groupsSupported(this)) await this.reloadGroups();
    this.refresh();
  }

  private keepTip(m: Message): void {
    const list = this.tips.get(m.conversationID) ?? [];
    list.push(m);
    if (list.length > 50) list.shift();
    this.tips.delete(m.conversationID); // most recent last, so the oldest group goes first
    this.tips.set(m.conversationID, list);
    if (this.tips.size > 200) this.tips.delete(this.tips.keys().next().value!);
  }

  /** Reads the joined groups and the join requests this user may answer. */
  async reloadGroups(): Promise<void> {
    if (!groupsSupported(this)) return;
    const [groups, apps] = await Promise.all([
      this.chat.getGroupList().catch(() => null),
      this.chat.getGroupApplicationList().catch(() => null),
    ]);
    if (groups) this.groups = groups.data.groupList;
    if (apps) this.groupApplications = apps.data.applicationList;
    this.refresh();
    await this.groupDetail?.load();
  }

  private buildShell(): void {
    fill(this.shell, this.tabs, this.listPane, this.detailPane);
    fill(this.root, this.status, this.shell);
    this.shell.classList.remove('detail-open');
    fill(this.detailPane, h('div', { class: 'empty' }, 'Pick a conversation, or add a friend to start one.'));
    this.renderStatus();
  }

  /** Redraws the tabs, the list pane and what the detail pane shows. */
  refresh(): void {
    if (!this.shell.isConnected) return;
    this.renderTabs();
    this.renderList();
    this.redrawDetail?.();
  }

  setTab(tab: Tab): void {
    this.tab = tab;
    this.refresh();
  }

  private renderStatus(): void {
    const s = this.netState;
    const text = s === TYPES.NET_STATE_CONNECTED || !s ? '' : s === TYPES.NET_STATE_CONNECTING ? 'Connecting…' : 'Offline: reconnecting';
    this.status.textContent = text;
    this.status.hidden = !text;
  }

  private renderTabs(): void {
    document.title = this.totalUnread > 0 ? `(${this.totalUnread > 99 ? '99+' : this.totalUnread}) Parley` : 'Parley';
    const tab = (id: Tab, label: string, badge: number) =>
      h(
        'button',
        { class: 'tab' + (this.tab === id ? ' active' : ''), 'data-testid': `tab-${id}`, 'aria-current': this.tab === id ? 'page' : null, onclick: () => this.setTab(id) },
        h('span', null, label),
        badge > 0 ? h('span', { class: 'badge', 'data-testid': `tab-${id}-badge` }, badge > 99 ? '99+' : badge) : null,
      );
    const incoming = this.applications.filter((a) => a.type === TYPES.SNS_APPLICATION_SENT_TO_ME).length;
    fill(
      this.tabs,
      h('div', { class: 'brand' }, 'Parley'),
      tab('chats', 'Chats', this.totalUnread),
      tab('friends', 'Friends', incoming),
      groupsSupported(this) ? tab('groups', 'Groups', this.groupApplications.length) : null,
      tab('me', 'Me', 0),
    );
  }

  private renderList(): void {
    preserveInputs(this.listPane, () => this.drawList());
  }

  private drawList(): void {
    switch (this.tab) {
      case 'chats':
        fill(this.listPane, this.renderConversations());
        break;
      case 'friends':
        fill(this.listPane, renderFriendsList(this));
        break;
      case 'groups':
        fill(this.listPane, renderGroupsList(this));
        break;
      case 'me':
        fill(this.listPane, renderMe(this));
    }
  }

  conversationName(c: Conversation): string {
    if (c.type === TYPES.CONV_GROUP) return (c.groupProfile as Group | null)?.name || this.groupName(c.conversationID.slice(TYPES.CONV_GROUP.length));
    return c.remark || c.userProfile?.nick || c.userID;
  }

  groupName(groupID: string): string {
    return this.groups.find((g) => g.groupID === groupID)?.name || groupID;
  }

  displayName(userID: string): string {
    const f = this.friends.find((x) => x.userID === userID);
    if (f?.remark) return f.remark;
    const c = this.conversations.find((x) => x.userID === userID);
    return f?.profile?.nick || c?.userProfile?.nick || userID;
  }

  private renderConversations(): HTMLElement {
    const items = this.conversations.filter((c) => c.type !== TYPES.CONV_SYSTEM).map((c) => {
      const name = this.conversationName(c);
      const last = c.lastMessage;
      return h(
        'li',
        null,
        h(
          'button',
          {
            class: 'row conv' + (this.detailKey === 'conv:' + c.conversationID ? ' selected' : ''),
            'data-testid': `conv-${c.conversationID}`,
            onclick: () => void this.openConversation(c.conversationID),
          },
          avatar(name),
          h(
            'span',
            { class: 'row-main' },
            h('span', { class: 'row-title' }, name, c.isPinned ? h('span', { class: 'pin' }, ' · pinned') : null),
            h('span', { class: 'row-sub', 'data-testid': `conv-last-${c.conversationID}` }, last ? (last.isRevoked ? 'Message recalled' : last.messageForShow) : c.draftText ? 'Draft: ' + c.draftText : ''),
          ),
          h(
            'span',
            { class: 'row-side' },
            h('span', { class: 'row-time' }, last ? shortTime(last.lastTime) : ''),
            c.unreadCount > 0 ? h('span', { class: 'badge', 'data-testid': `unread-${c.conversationID}` }, c.unreadCount > 99 ? '99+' : c.unreadCount) : null,
          ),
        ),
      );
    });
    return h(
      'section',
      { 'aria-label': 'Conversations' },
      h('h2', null, 'Chats'),
      items.length ? h('ul', { class: 'rows', 'data-testid': 'conversation-list' }, items) : h('p', { class: 'empty', 'data-testid': 'conversation-list' }, 'No conversations yet: open a friend and say hello.'),
    );
  }

  /** Shows el in the detail pane; redraw, when given, rebuilds it as lists change. */
  showDetail(key: string, build: () => HTMLElement, redraw = false): void {
    this.detailKey = key;
    this.groupDetail = null;
    if (key !== 'conv:' + this.view?.conversationID) {
      this.view?.close();
      this.view = null;
    }
    fill(this.detailPane, build());
    this.redrawDetail = redraw ? () => preserveInputs(this.detailPane, () => fill(this.detailPane, build())) : null;
    if (!this.shell.classList.contains('detail-open') && !history.state?.parleyDetail) history.pushState({ parleyDetail: true }, '');
    this.shell.classList.add('detail-open');
    this.renderList();
  }

  /** Back to the list (on a phone, the list pane shows again). */
  closeDetail(): void {
    this.closeDetailPane();
    if (history.state?.parleyDetail) history.back(); // its popstate finds the pane closed
  }

  private closeDetailPane(): void {
    this.groupDetail = null;
    this.view?.close();
    this.view = null;
    this.detailKey = '';
    this.redrawDetail = null;
    this.shell.classList.remove('detail-open');
    fill(this.detailPane, h('div', { class: 'empty' }, 'Pick a conversation.'));
    this.renderList();
  }

  async openConversation(conversationID: string): Promise<void> {
    this.tab = 'chats';
    if (this.view?.conversationID === conversationID && this.detailKey === 'conv:' + conversationID) return;
    this.view?.close();
    const view = new ChatView(this, conversationID);
    this.view = view;
    this.showDetail('conv:' + conversationID, () => view.el);
    this.view = view;
    this.renderTabs();
    await view.load();
  }

  toast(text: string, error = false): void {
    const t = h('div', { class: 'toast' + (error ? ' error' : ''), role: error ? 'alert' : 'status', 'data-testid': error ? 'toast-error' : 'toast' }, text);
    this.toasts.appendChild(t);
    setTimeout(() => t.remove(), error ? 6000 : 3000);
  }

  /** Runs an action and reports its failure (the SDK's {code, message}) as a toast. */
  async run<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (e: any) {
      this.toast(`${what} failed: ${e?.message ?? e}${e?.code ? ` (${e.code})` : ''}`, true);
      return undefined;
    }
  }
}

export function avatar(name: string, url?: string): HTMLElement {
  const safe = url && /^https?:\/\//.test(url) ? url : '';
  if (safe) return h('img', { class: 'avatar', src: safe, alt: '', referrerpolicy: 'no-referrer' });
  return h('span', { class: 'avatar', 'aria-hidden': 'true' }, (name || '?').slice(0, 1).toUpperCase());
}

function shortTime(seconds: number): string {
  if (!seconds) return '';
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return d.toDateString() === new Date().toDateString() ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : `${d.getMonth() + 1}/${d.getDate()}`;
}

const app = new App();
(globalThis as any).parleyApp = app; // for the console and the browser tests' diagnostics
app.start();
