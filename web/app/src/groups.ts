// Groups: create (Work, Public, Meeting), find by ID and join (or ask to),
// the group's profile, members with their roles and mutes, what an owner or
// admin may do to them (admin / member, mute, kick, invite), join requests,
// quitting and dismissing. The group's chat is the ChatView of its
// conversation (GROUP<id>).

import TencentCloudChat, { type Group, type GroupApplication, type GroupMember } from '../../sdk/src/index.js';
import { field, form, h, time } from './dom.js';
import { avatar, type App } from './main.js';

const { TYPES } = TencentCloudChat;
const MUTE_SECONDS = 10 * 60;

/** Whether the SDK this app was built with has Tencent's group methods. */
export function groupsSupported(app: App): boolean {
  return typeof (app.chat as any)?.createGroup === 'function';
}

const typeNames: Record<string, string> = {
  [TYPES.GRP_WORK]: 'Work',
  [TYPES.GRP_PUBLIC]: 'Public',
  [TYPES.GRP_MEETING]: 'Meeting',
  [TYPES.GRP_AVCHATROOM]: 'Live',
  [TYPES.GRP_COMMUNITY]: 'Community',
};
const roleNames: Record<string, string> = { [TYPES.GRP_MBR_ROLE_OWNER]: 'Owner', [TYPES.GRP_MBR_ROLE_ADMIN]: 'Admin', [TYPES.GRP_MBR_ROLE_MEMBER]: 'Member' };

/** The list pane of the Groups tab. */
export function renderGroupsList(app: App): HTMLElement {
  const c = app.chat;
  const create = form(
    { class: 'card', 'data-testid': 'group-create' },
    async (f) => {
      const name = field(f, 'name');
      if (!name) return;
      const type = field(f, 'type');
      const members = field(f, 'members')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((userID) => ({ userID }));
      const r = await app.run('Create group', () =>
        c.createGroup({ name, type, memberList: members, joinOption: type === TYPES.GRP_PUBLIC ? field(f, 'joinOption') : undefined }),
      );
      if (!r) return;
      f.reset();
      app.toast(`Group ${r.data.group.name} created (ID ${r.data.group.groupID})`);
      await app.reloadGroups();
      openGroup(app, r.data.group.groupID);
    },
    h('h3', null, 'New group'),
    h('label', null, 'Name', h('input', { name: 'name', required: true, maxlength: 30, 'data-testid': 'group-name' })),
    h(
      'label',
      null,
      'Type',
      h(
        'select',
        { name: 'type', 'data-testid': 'group-type' },
        h('option', { value: TYPES.GRP_WORK }, 'Work (members invite)'),
        h('option', { value: TYPES.GRP_PUBLIC }, 'Public (anyone may ask to join)'),
        h('option', { value: TYPES.GRP_MEETING }, 'Meeting (anyone may join)'),
      ),
    ),
    h(
      'label',
      null,
      'Joining (Public)',
      h(
        'select',
        { name: 'joinOption', 'data-testid': 'group-join-option' },
        h('option', { value: TYPES.JOIN_OPTIONS_NEED_PERMISSION }, 'An admin approves'),
        h('option', { value: TYPES.JOIN_OPTIONS_FREE_ACCESS }, 'Free'),
        h('option', { value: TYPES.JOIN_OPTIONS_DISABLE_APPLY }, 'Closed'),
      ),
    ),
    h('label', null, 'Members (UserIDs)', h('input', { name: 'members', placeholder: 'bob, carol', 'data-testid': 'group-members' })),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'group-create-submit' }, 'Create'),
  );

  const join = form(
    { class: 'inline', 'data-testid': 'group-search' },
    async (f) => {
      const groupID = field(f, 'groupID');
      if (!groupID) return;
      const r = await app.run('Find group', () => c.searchGroupByID(groupID));
      if (r) app.showDetail('group:' + groupID, () => groupCard(app, r.data.group), true);
    },
    h('input', { name: 'groupID', placeholder: 'Find a group by ID', maxlength: 48, 'aria-label': 'Group ID', 'data-testid': 'group-search-input' }),
    h('button', { type: 'submit', 'data-testid': 'group-search-submit' }, 'Find'),
  );

  const requests = app.groupApplications.length
    ? h(
        'section',
        { 'data-testid': 'group-requests' },
        h('h3', null, 'Join requests'),
        h('ul', { class: 'rows' }, app.groupApplications.map((a) => applicationRow(app, a))),
      )
    : null;

  const mine = h(
    'section',
    { 'data-testid': 'group-list' },
    h('h3', null, `My groups (${app.groups.length})`),
    app.groups.length
      ? h(
          'ul',
          { class: 'rows' },
          app.groups.map((g) =>
            h(
              'li',
              null,
              h(
                'button',
                { class: 'row' + (app.detailKey === 'group:' + g.groupID ? ' selected' : ''), 'data-testid': `group-${g.groupID}`, onclick: () => openGroup(app, g.groupID) },
                avatar(g.name, g.avatar),
                h(
                  'span',
                  { class: 'row-main' },
                  h('span', { class: 'row-title' }, g.name),
                  h('span', { class: 'row-sub' }, `${typeNames[g.type] ?? g.type} · ${g.memberCount} members${g.selfInfo ? ' · ' + (roleNames[g.selfInfo.role] ?? g.selfInfo.role) : ''}`),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'empty' }, 'No groups yet.'),
  );
  return h('div', { class: 'groups' }, h('h2', null, 'Groups'), join, requests, mine, create);
}

function applicationRow(app: App, a: GroupApplication): HTMLElement {
  const handle = (action: 'Agree' | 'Reject') =>
    void app.run(action === 'Agree' ? 'Accept' : 'Refuse', () => app.chat.handleGroupApplication({ handleAction: action, application: a })).then(async (r) => {
      if (r) await app.reloadGroups(); // and the open group's members
    });
  const group = app.groups.find((g) => g.groupID === a.groupID);
  return h(
    'li',
    { class: 'row', 'data-testid': `group-request-${a.groupID}-${a.applicant}` },
    avatar(a.applicantNick || a.applicant, a.applicantAvatar),
    h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, `${a.applicantNick || a.applicant} → ${group?.name ?? a.groupID}`), h('span', { class: 'row-sub' }, a.note || 'asks to join')),
    h(
      'span',
      { class: 'row-actions' },
      h('button', { class: 'primary', 'data-testid': `group-accept-${a.applicant}`, onclick: () => handle('Agree') }, 'Accept'),
      h('button', { 'data-testid': `group-refuse-${a.applicant}`, onclick: () => handle('Reject') }, 'Refuse'),
    ),
  );
}

/** Opens a group's detail (profile and members). */
export function openGroup(app: App, groupID: string): void {
  const detail = new GroupDetail(app, groupID);
  app.showDetail('group:' + groupID, () => detail.el, false);
  app.groupDetail = detail;
  void detail.load();
}

/** A group found by ID that this user may not be in: its profile, join. */
function groupCard(app: App, g: Group): HTMLElement {
  const member = app.groups.some((x) => x.groupID === g.groupID);
  return h(
    'section',
    { class: 'card detail', 'data-testid': 'group-card' },
    h('button', { class: 'back', 'aria-label': 'Back', 'data-testid': 'back', onclick: () => app.closeDetail() }, '‹'),
    groupHead(g),
    member
      ? h('p', null, 'You are a member. ', h('button', { class: 'link', onclick: () => openGroup(app, g.groupID) }, 'Open'))
      : form(
          { 'data-testid': 'group-join' },
          async (f) => {
            const r = await app.run('Join', () => app.chat.joinGroup({ groupID: g.groupID, applyMessage: field(f, 'message') }));
            if (!r) return;
            if (r.data.status === TYPES.JOIN_STATUS_WAIT_APPROVAL) app.toast('Request sent: an admin of the group decides');
            else {
              app.toast(`You joined ${g.name}`);
              await app.reloadGroups();
              openGroup(app, g.groupID);
            }
          },
          h('label', null, 'Message to the admins', h('input', { name: 'message', maxlength: 120, 'data-testid': 'group-join-message' })),
          h('button', { type: 'submit', class: 'primary', 'data-testid': 'group-join-submit' }, 'Join'),
        ),
  );
}

function groupHead(g: Group): HTMLElement {
  return h(
    'div',
    { class: 'profile-head' },
    avatar(g.name, g.avatar),
    h(
      'div',
      null,
      h('h2', { 'data-testid': 'group-title' }, g.name),
      h('p', { class: 'row-sub' }, `ID ${g.groupID} · ${typeNames[g.type] ?? g.type} · ${g.memberCount} members${g.muteAllMembers ? ' · everyone muted' : ''}`),
      g.introduction ? h('p', null, g.introduction) : null,
      g.notification ? h('p', { class: 'hint' }, 'Notice: ', g.notification) : null,
    ),
  );
}

class GroupDetail {
  readonly el = h('section', { class: 'card detail', 'data-testid': 'group-detail' });
  private group: Group | null = null;
  private members: GroupMember[] = [];
  private nextOffset = 0;

  constructor(
    private app: App,
    readonly groupID: string,
  ) {}

  async load(): Promise<void> {
    const c = this.app.chat;
    const [g, m] = await Promise.all([
      this.app.run('Group', () => c.getGroupProfile({ groupID: this.groupID })),
      this.app.run('Members', () => c.getGroupMemberList({ groupID: this.groupID, count: 100 })),
    ]);
    if (!g || this.app.groupDetail !== this) return;
    this.group = g.data.group;
    this.members = m?.data.memberList ?? [];
    this.nextOffset = m?.data.offset ?? 0;
    this.render();
  }

  private async loadMore(): Promise<void> {
    const r = await this.app.run('Members', () => this.app.chat.getGroupMemberList({ groupID: this.groupID, count: 100, offset: this.nextOffset }));
    if (!r) return;
    this.members.push(...r.data.memberList);
    this.nextOffset = r.data.offset;
    this.render();
  }

  private myRole(): string {
    return this.members.find((m) => m.userID === this.app.me)?.role ?? this.app.groups.find((g) => g.groupID === this.groupID)?.selfInfo?.role ?? '';
  }

  private render(): void {
    const g = this.group;
    if (!g) return;
    const app = this.app;
    const c = app.chat;
    const me = this.myRole();
    const manager = me === TYPES.GRP_MBR_ROLE_OWNER || me === TYPES.GRP_MBR_ROLE_ADMIN;
    const after = (p: Promise<unknown>) => void p.then((r) => r && this.load());
    const memberRow = (m: GroupMember) => {
      const muted = m.muteUntil * 1000 > Date.now();
      const acts: HTMLElement[] = [];
      if (manager && m.userID !== app.me && m.role !== TYPES.GRP_MBR_ROLE_OWNER) {
        if (me === TYPES.GRP_MBR_ROLE_OWNER && g.type !== TYPES.GRP_WORK) {
          const admin = m.role === TYPES.GRP_MBR_ROLE_ADMIN;
          acts.push(
            h('button', { class: 'link', 'data-testid': `role-${m.userID}`, onclick: () => after(app.run('Role', () => c.setGroupMemberRole({ groupID: g.groupID, userID: m.userID, role: admin ? TYPES.GRP_MBR_ROLE_MEMBER : TYPES.GRP_MBR_ROLE_ADMIN }))) }, admin ? 'Make member' : 'Make admin'),
          );
        }
        acts.push(
          h('button', { class: 'link', 'data-testid': `mute-${m.userID}`, onclick: () => after(app.run('Mute', () => c.setGroupMemberMuteTime({ groupID: g.groupID, userID: m.userID, muteTime: muted ? 0 : MUTE_SECONDS }))) }, muted ? 'Unmute' : 'Mute 10 min'),
          h('button', { class: 'link', 'data-testid': `kick-${m.userID}`, onclick: () => confirm(`Remove ${m.userID} from ${g.name}?`) && after(app.run('Remove', () => c.deleteGroupMember({ groupID: g.groupID, userIDList: [m.userID] }))) }, 'Remove'),
        );
      }
      return h(
        'li',
        { class: 'row', 'data-testid': `member-${m.userID}` },
        avatar(m.nameCard || m.nick || m.userID, m.avatar),
        h(
          'span',
          { class: 'row-main' },
          h('span', { class: 'row-title' }, m.nameCard || m.nick || m.userID, m.userID === app.me ? ' (you)' : ''),
          h('span', { class: 'row-sub', 'data-testid': `member-state-${m.userID}` }, roleNames[m.role] ?? m.role, muted ? ` · muted until ${time(m.muteUntil)}` : ''),
        ),
        acts.length ? h('span', { class: 'row-actions' }, acts) : null,
      );
    };
    const children = [
      h('button', { class: 'back', 'aria-label': 'Back', 'data-testid': 'back', onclick: () => app.closeDetail() }, '‹'),
      groupHead(g),
      h('p', null, h('button', { class: 'primary', 'data-testid': 'group-open-chat', onclick: () => void app.openConversation(TYPES.CONV_GROUP + g.groupID) }, 'Open the chat')),
      h('h3', null, `Members (${g.memberCount})`),
      h('ul', { class: 'rows', 'data-testid': 'member-list' }, this.members.map(memberRow)),
      this.nextOffset ? h('button', { class: 'link', onclick: () => void this.loadMore() }, 'More members') : null,
      g.type !== TYPES.GRP_MEETING && (manager || g.type === TYPES.GRP_WORK)
        ? form(
            { class: 'inline', 'data-testid': 'member-add' },
            async (f) => {
              const ids = field(f, 'userIDs').split(/[\s,]+/).filter(Boolean);
              if (!ids.length) return;
              const r = await app.run('Add members', () => c.addGroupMember({ groupID: g.groupID, userIDList: ids }));
              if (!r) return;
              if (r.data.failureUserIDList.length) app.toast(`Not added: ${r.data.failureUserIDList.join(', ')}`, true);
              f.reset();
              await this.load();
            },
            h('input', { name: 'userIDs', placeholder: 'Add members by UserID', 'aria-label': 'UserIDs to add', 'data-testid': 'member-add-input' }),
            h('button', { type: 'submit', 'data-testid': 'member-add-submit' }, 'Add'),
          )
        : null,
      manager
        ? form(
            { class: 'inline' },
            async (f) => {
              const notification = field(f, 'notification');
              if (await app.run('Notice', () => c.updateGroupProfile({ groupID: g.groupID, notification }))) await this.load();
            },
            h('input', { name: 'notification', value: g.notification, placeholder: 'Group notice', maxlength: 300, 'aria-label': 'Group notice' }),
            h('button', { type: 'submit' }, 'Save notice'),
          )
        : null,
      manager
        ? h('label', { class: 'check' }, (() => {
            const box = h('input', { type: 'checkbox', checked: g.muteAllMembers, 'data-testid': 'mute-all' });
            box.addEventListener('change', () => after(app.run('Mute all', () => c.updateGroupProfile({ groupID: g.groupID, muteAllMembers: box.checked }))));
            return box;
          })(), 'Mute everyone but the admins')
        : null,
      h(
        'div',
        { class: 'danger' },
        me === TYPES.GRP_MBR_ROLE_OWNER
          ? h('button', { 'data-testid': 'group-dismiss', onclick: () => confirm(`Dismiss ${g.name} for everyone?`) && void app.run('Dismiss', () => c.dismissGroup(g.groupID)).then(async (r) => r && (app.closeDetail(), await app.reloadGroups())) }, 'Dismiss the group')
          : h('button', { 'data-testid': 'group-quit', onclick: () => confirm(`Leave ${g.name}?`) && void app.run('Leave', () => c.quitGroup(g.groupID)).then(async (r) => r && (app.closeDetail(), await app.reloadGroups())) }, 'Leave the group'),
      ),
    ];
    this.el.replaceChildren(...children.filter((x): x is HTMLElement => !!x));
  }
}

/** A group tip in a chat: who did what, as a line between the messages. */
export function describeTip(app: App, p: any): string {
  const who = (u: string) => (u === app.me ? 'You' : app.displayName(u));
  const users = (p.userIDList ?? []).map(who).join(', ');
  const by = p.operatorID ? who(p.operatorID) : '';
  switch (p.operationType) {
    case TYPES.GRP_TIP_MBR_JOIN:
      return by && users && by !== users ? `${by} added ${users}` : `${users || by} joined`;
    case TYPES.GRP_TIP_MBR_QUIT:
      return `${users || by} left`;
    case TYPES.GRP_TIP_MBR_KICKED_OUT:
      return `${by} removed ${users}`;
    case TYPES.GRP_TIP_MBR_SET_ADMIN:
      return `${users} became an admin`;
    case TYPES.GRP_TIP_MBR_CANCELED_ADMIN:
      return `${users} is no longer an admin`;
    case TYPES.GRP_TIP_GRP_PROFILE_UPDATED:
      return `${by || 'An admin'} changed the group's ${Object.keys(p.newGroupProfile ?? {}).join(', ') || 'profile'}`;
    case TYPES.GRP_TIP_MBR_PROFILE_UPDATED:
      return (p.memberList ?? [])
        .map((m: any) => (m.muteTime > 0 ? `${who(m.userID)} was muted for ${Math.ceil(m.muteTime / 60)} min` : m.muteTime === 0 ? `${who(m.userID)} was unmuted` : `${who(m.userID)} changed`))
        .join('; ');
    default:
      return 'The group changed';
  }
}
