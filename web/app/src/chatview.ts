// One conversation: history that scrolls back (pages from getMessageList),
// text, image and file messages (images and files by URL), recall, edit,
// delete for me, read state (the peer's read cursor and read receipts).

import TencentCloudChat, { type Message } from '../../sdk/src/index.js';
import { field, fill, form, h, safeURL, time } from './dom.js';
import type { App } from './main.js';
import { describeTip, openGroup } from './groups.js';

const { TYPES } = TencentCloudChat;

export class ChatView {
  readonly el: HTMLElement;
  private list = h('ol', { class: 'messages', 'data-testid': 'messages', 'aria-live': 'polite' });
  private scroller = h('div', { class: 'scroller', 'data-testid': 'scroller' });
  private more = h('button', { class: 'link load-more', 'data-testid': 'load-more', hidden: true }, 'Load earlier messages');
  private messages: Message[] = [];
  private next = '';
  private loading = false;
  private closed = false;
  private editing: Message | null = null;
  private input: HTMLInputElement;
  private receiptBox: HTMLInputElement;
  private readonly peer: string;
  private readonly isGroup: boolean;

  constructor(
    private app: App,
    readonly conversationID: string,
  ) {
    this.isGroup = conversationID.startsWith(TYPES.CONV_GROUP);
    this.peer = conversationID.replace(/^(C2C|GROUP)/, '');
    this.input = h('input', { name: 'text', placeholder: 'Message', autocomplete: 'off', maxlength: 4000, 'data-testid': 'composer-input', 'aria-label': 'Message' });
    this.receiptBox = h('input', { type: 'checkbox', name: 'receipt', 'data-testid': 'composer-receipt' });
    this.more.addEventListener('click', () => void this.loadEarlier());
    this.scroller.addEventListener('scroll', () => {
      if (this.scroller.scrollTop < 40 && this.next && !this.loading) void this.loadEarlier();
    });
    fill(this.scroller, this.more, this.list);
    this.el = h(
      'section',
      { class: 'chat', 'data-testid': 'chat', 'data-conversation': conversationID },
      h(
        'header',
        { class: 'chat-head' },
        h('button', { class: 'back', 'aria-label': 'Back', 'data-testid': 'back', onclick: () => app.closeDetail() }, '‹'),
        h('h2', { 'data-testid': 'chat-title' }, this.title()),
        this.isGroup
          ? h('button', { class: 'link', 'data-testid': 'chat-group-info', onclick: () => openGroup(app, this.peer) }, 'Members')
          : h('button', { class: 'link', onclick: () => app.setTab('friends') }, 'Friends'),
      ),
      this.scroller,
      this.composer(),
    );
  }

  private title(): string {
    if (this.isGroup) return this.app.groupName(this.peer);
    return this.app.displayName(this.peer);
  }

  private composer(): HTMLElement {
    const attach = h('div', { class: 'attach', hidden: true, 'data-testid': 'attach' });
    const url = h('input', { name: 'url', type: 'url', placeholder: 'https://…', 'data-testid': 'attach-url', 'aria-label': 'Image or file URL' });
    const fileName = h('input', { name: 'fileName', placeholder: 'File name (for a file)', 'data-testid': 'attach-name', 'aria-label': 'File name' });
    const sendURL = async (kind: 'image' | 'file') => {
      const u = safeURL(url.value.trim());
      if (!u) return this.app.toast('Give an http(s) URL', true);
      const opts = { to: this.peer, conversationType: this.convType(), needReadReceipt: this.receiptBox.checked };
      const name = fileName.value.trim() || u.split('/').pop() || 'file';
      const m =
        kind === 'image'
          ? this.app.chat.createImageMessage({ ...opts, payload: { url: u } })
          : this.app.chat.createFileMessage({ ...opts, payload: { url: u, fileName: name } });
      if (await this.send(m)) {
        url.value = '';
        fileName.value = '';
        attach.hidden = true;
      }
    };
    fill(
      attach,
      url,
      fileName,
      h('button', { type: 'button', 'data-testid': 'send-image', onclick: () => void sendURL('image') }, 'Send image'),
      h('button', { type: 'button', 'data-testid': 'send-file', onclick: () => void sendURL('file') }, 'Send file'),
    );
    const f = form(
      { class: 'composer', 'data-testid': 'composer' },
      async (f) => {
        const text = field(f, 'text');
        if (!text) return;
        if (this.editing) {
          const m = this.editing;
          this.stopEditing();
          const edited = { ...m, payload: { text } } as Message;
          const r = await this.app.run('Edit', () => this.app.chat.modifyMessage(edited));
          if (r) this.replace(r.data.message);
          return;
        }
        const m = this.app.chat.createTextMessage({ to: this.peer, conversationType: this.convType(), payload: { text }, needReadReceipt: this.receiptBox.checked });
        this.input.value = '';
        await this.send(m);
      },
      h('button', { type: 'button', class: 'icon', title: 'Image or file by URL', 'aria-label': 'Attach by URL', 'data-testid': 'attach-toggle', onclick: () => (attach.hidden = !attach.hidden) }, '+'),
      this.input,
      h('label', { class: 'receipt', title: 'Ask for a read receipt' }, this.receiptBox, h('span', null, 'Receipt')),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'composer-send' }, 'Send'),
    );
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.editing) this.stopEditing();
    });
    return h('div', { class: 'composer-wrap' }, attach, f);
  }

  private convType(): string {
    return this.isGroup ? TYPES.CONV_GROUP : TYPES.CONV_C2C;
  }

  private async send(m: Message): Promise<boolean> {
    this.messages.push(m);
    this.render(true);
    try {
      await this.app.chat.sendMessage(m);
      this.render(false);
      return true;
    } catch (e: any) {
      this.render(false);
      this.app.toast(`Send failed: ${e?.message ?? e}${e?.code ? ` (${e.code})` : ''}`, true);
      return false;
    }
  }

  /** The newest page, then the conversation is read. */
  async load(): Promise<void> {
    const r = await this.app.run('Loading messages', () => this.app.chat.getMessageList({ conversationID: this.conversationID }));
    if (!r || this.closed) return;
    this.messages = r.data.messageList;
    // The group tips told since login, placed by time among the messages (those of the page's span).
    const oldest = this.messages[0]?.time ?? 0;
    const tips = (this.app.tips.get(this.conversationID) ?? []).filter((t) => r.data.isCompleted || t.time >= oldest);
    if (tips.length) this.messages = [...this.messages, ...tips].sort((a, b) => a.time - b.time);
    this.next = r.data.isCompleted ? '' : r.data.nextReqMessageID;
    this.render(true);
    await this.markRead();
  }

  private async loadEarlier(): Promise<void> {
    if (!this.next || this.loading) return;
    this.loading = true;
    try {
      const r = await this.app.run('Loading earlier messages', () => this.app.chat.getMessageList({ conversationID: this.conversationID, nextReqMessageID: this.next }));
      if (!r || this.closed) return;
      const known = new Set(this.messages.map((m) => m.ID));
      const older = r.data.messageList.filter((m) => !known.has(m.ID));
      const before = this.scroller.scrollHeight - this.scroller.scrollTop;
      this.messages = [...older, ...this.messages];
      this.next = r.data.isCompleted ? '' : r.data.nextReqMessageID;
      this.render(false);
      this.scroller.scrollTop = this.scroller.scrollHeight - before; // keep the reader's place
    } finally {
      this.loading = false;
    }
  }

  /** Marks the conversation read (unless the list says nothing is unread and force is off) and answers read receipts. */
  private async markRead(force = false): Promise<void> {
    if (this.closed) return;
    const c = this.app.conversations.find((x) => x.conversationID === this.conversationID);
    if (!force && c && c.unreadCount === 0 && !this.pendingReceipts().length) return;
    await this.app.run('Marking read', () => this.app.chat.setMessageRead({ conversationID: this.conversationID }));
    const asked = this.pendingReceipts();
    if (asked.length) {
      for (const m of asked) (m as any).receiptSent = true;
      await this.app.run('Read receipt', () => this.app.chat.sendMessageReadReceipt(asked.slice(-30)));
    }
  }

  private pendingReceipts(): Message[] {
    return this.messages.filter((m) => m.flow === 'in' && m.needReadReceipt && !m.isRevoked && !(m as any).receiptSent);
  }

  close(): void {
    this.closed = true;
  }

  // ------------------------------------------------------------ events

  received(list: Message[]): void {
    const mine = list.filter((m) => m.conversationID === this.conversationID && !this.messages.some((x) => x.ID === m.ID));
    if (!mine.length) return;
    const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 80;
    this.messages.push(...mine);
    this.messages.sort((a, b) => (a.sequence || Infinity) - (b.sequence || Infinity));
    this.render(atBottom || mine.some((m) => m.flow === 'out'));
    if (document.visibilityState !== 'hidden' && mine.some((m) => m.flow === 'in')) void this.markRead(true);
  }

  revoked(list: Message[]): void {
    let changed = false;
    for (const r of list) {
      const m = this.messages.find((x) => x.ID === r.ID);
      if (m) {
        m.isRevoked = true;
        m.revoker = r.revoker || r.from;
        changed = true;
      }
    }
    if (changed) this.render(false);
  }

  modified(list: Message[]): void {
    let changed = false;
    for (const n of list) changed = this.replace(n, false) || changed;
    if (changed) this.render(false);
  }

  readByPeer(list: Message[]): void {
    const ids = new Set(list.filter((m) => m.conversationID === this.conversationID).map((m) => m.sequence));
    const top = Math.max(0, ...ids);
    let changed = false;
    for (const m of this.messages) {
      if (m.flow === 'out' && m.sequence && m.sequence <= top && !m.isPeerRead) {
        m.isPeerRead = true;
        changed = true;
      }
    }
    if (changed) this.render(false);
  }

  receipts(list: { conversationID: string; messageID: string; readCount: number; unreadCount: number }[]): void {
    let changed = false;
    for (const r of list) {
      const m = this.messages.find((x) => x.ID === r.messageID);
      if (m) {
        m.readReceiptInfo = { readCount: r.readCount, unreadCount: r.unreadCount };
        changed = true;
      }
    }
    if (changed) this.render(false);
  }

  private replace(n: Message, render = true): boolean {
    const i = this.messages.findIndex((x) => x.ID === n.ID);
    if (i < 0) return false;
    this.messages[i] = { ...this.messages[i], ...n, isModified: true };
    if (render) this.render(false);
    return true;
  }

  // ------------------------------------------------------------ drawing

  private startEditing(m: Message): void {
    this.editing = m;
    this.input.value = (m.payload as any).text ?? '';
    this.input.focus();
    this.el.classList.add('editing');
    this.input.placeholder = 'Edit the message (Esc to cancel)';
  }

  private stopEditing(): void {
    this.editing = null;
    this.input.value = '';
    this.el.classList.remove('editing');
    this.input.placeholder = 'Message';
  }

  private render(scrollToBottom: boolean): void {
    if (this.closed) return;
    const title = this.el.querySelector('[data-testid="chat-title"]');
    if (title) title.textContent = this.title();
    this.more.hidden = !this.next;
    const shown = this.messages.filter((m) => !m.isDeleted);
    fill(
      this.list,
      shown.length ? shown.map((m) => this.bubble(m)) : h('li', { class: 'empty' }, 'No messages yet.'),
    );
    if (scrollToBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  private bubble(m: Message): HTMLElement {
    const out = m.flow === 'out';
    const who = out ? 'You' : this.app.displayName(m.from);
    if (m.type === TYPES.MSG_GRP_TIP) {
      return h('li', { class: 'note', 'data-testid': 'group-tip', 'data-id': m.ID }, describeTip(this.app, m.payload));
    }
    if (m.isRevoked) {
      return h('li', { class: 'note', 'data-testid': 'message-recalled', 'data-id': m.ID }, `${m.revoker === this.app.me || out ? 'You' : who} recalled a message`);
    }
    const actions: HTMLElement[] = [];
    const act = (label: string, testid: string, f: () => void) => h('button', { class: 'link', 'data-testid': testid, onclick: f }, label);
    if (m.status === 'success') {
      if (out) {
        actions.push(act('Recall', 'msg-recall', () => void this.app.run('Recall', () => this.app.chat.revokeMessage(m)).then((r) => r && this.render(false))));
        if (m.type === TYPES.MSG_TEXT) actions.push(act('Edit', 'msg-edit', () => this.startEditing(m)));
      }
      actions.push(
        act('Delete', 'msg-delete', () =>
          void this.app.run('Delete', () => this.app.chat.deleteMessage([m])).then((r) => {
            if (r) this.render(false);
          }),
        ),
      );
    }
    let state = '';
    if (out) {
      if (m.status === 'unSend') state = 'Sending…';
      else if (m.status === 'fail') state = 'Not sent';
      else if (m.needReadReceipt && m.readReceiptInfo?.readCount > 0) state = 'Read (receipt)';
      else if (m.isPeerRead) state = 'Read';
      else state = 'Sent';
    }
    return h(
      'li',
      { class: 'msg ' + (out ? 'out' : 'in'), 'data-testid': 'message', 'data-id': m.ID, 'data-flow': m.flow },
      !out && this.isGroup ? h('span', { class: 'msg-from' }, who) : null,
      h('div', { class: 'bubble', 'data-testid': 'message-body' }, this.content(m)),
      h(
        'div',
        { class: 'msg-meta' },
        h('span', null, time(m.time)),
        m.isModified ? h('span', { 'data-testid': 'message-edited' }, ' · edited') : null,
        state ? h('span', { 'data-testid': 'message-state' }, ' · ' + state) : null,
        actions.length ? h('span', { class: 'msg-actions' }, actions) : null,
      ),
    );
  }

  private content(m: Message): Node | string {
    const p = m.payload as any;
    switch (m.type) {
      case TYPES.MSG_TEXT:
        return p.text;
      case TYPES.MSG_IMAGE: {
        const u = safeURL(p.imageInfoArray?.[0]?.url ?? '');
        return u ? h('a', { href: u, target: '_blank', rel: 'noopener noreferrer' }, h('img', { class: 'msg-image', src: u, alt: 'Image', referrerpolicy: 'no-referrer', 'data-testid': 'message-image' })) : '[Image]';
      }
      case TYPES.MSG_FILE: {
        const u = safeURL(p.fileUrl ?? '');
        const label = `${p.fileName || 'file'}${p.fileSize ? ` (${Math.ceil(p.fileSize / 1024)} KB)` : ''}`;
        const tag = h('span', { class: 'file-tag' }, 'FILE');
        return u ? h('a', { href: u, target: '_blank', rel: 'noopener noreferrer', download: p.fileName || true, 'data-testid': 'message-file' }, tag, label) : h('span', null, tag, label);
      }
      case TYPES.MSG_CUSTOM:
        return `[Custom] ${p.description || p.data}`;
      default:
        return `[${m.type}]`;
    }
  }
}
