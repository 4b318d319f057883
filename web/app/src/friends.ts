// Friends: find a user by UserID and send a request, answer requests (accept,
// refuse), the friend list with remarks, friend lists (Tencent's friend
// groups) and the blocklist.

import TencentCloudChat, { type Friend, type Profile } from '../../sdk/src/index.js';
import { field, form, h, time } from './dom.js';
import { avatar, type App } from './main.js';

const { TYPES } = TencentCloudChat;

export function renderFriendsList(app: App): HTMLElement {
  const c = app.chat;
  const search = form(
    { class: 'inline', 'data-testid': 'friend-search' },
    async (f) => {
      const userID = field(f, 'userID');
      if (!userID) return;
      const r = await app.run('Search', () => c.getUserProfile({ userIDList: [userID] }));
      if (!r) return;
      const p = r.data[0];
      if (!p) return app.toast(`No user ${userID}`, true);
      app.showDetail('user:' + userID, () => userCard(app, p), true);
    },
    h('input', { name: 'userID', placeholder: 'Find a user by UserID', maxlength: 32, 'aria-label': 'UserID', 'data-testid': 'friend-search-input' }),
    h('button', { type: 'submit', 'data-testid': 'friend-search-submit' }, 'Find'),
  );

  const incoming = app.applications.filter((a) => a.type === TYPES.SNS_APPLICATION_SENT_TO_ME);
  const outgoing = app.applications.filter((a) => a.type === TYPES.SNS_APPLICATION_SENT_BY_ME);
  const requests = h(
    'section',
    { 'data-testid': 'friend-requests' },
    h('h3', null, 'Friend requests'),
    incoming.length || outgoing.length
      ? h(
          'ul',
          { class: 'rows' },
          incoming.map((a) =>
            h(
              'li',
              { class: 'row', 'data-testid': `request-in-${a.userID}` },
              avatar(a.nick || a.userID, a.avatar),
              h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, a.nick || a.userID), h('span', { class: 'row-sub' }, a.wording || 'wants to be your friend')),
              h(
                'span',
                { class: 'row-actions' },
                h('button', { class: 'primary', 'data-testid': `accept-${a.userID}`, onclick: () => void app.run('Accept', () => c.acceptFriendApplication({ userID: a.userID, type: TYPES.SNS_APPLICATION_AGREE_AND_ADD })).then((r) => r && app.toast(`${a.userID} is now your friend`)) }, 'Accept'),
                h('button', { 'data-testid': `refuse-${a.userID}`, onclick: () => void app.run('Refuse', () => c.refuseFriendApplication({ userID: a.userID })) }, 'Refuse'),
              ),
            ),
          ),
          outgoing.map((a) =>
            h(
              'li',
              { class: 'row', 'data-testid': `request-out-${a.userID}` },
              avatar(a.nick || a.userID, a.avatar),
              h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, a.nick || a.userID), h('span', { class: 'row-sub' }, `Request sent ${time(a.time)}`)),
              h('span', { class: 'row-actions' }, h('button', { onclick: () => void app.run('Cancel', () => c.deleteFriendApplication({ userID: a.userID, type: TYPES.SNS_APPLICATION_SENT_BY_ME })) }, 'Cancel')),
            ),
          ),
        )
      : h('p', { class: 'empty' }, 'No pending requests.'),
  );
  if (app.applicationsUnread > 0 && app.tab === 'friends') void c.setFriendApplicationRead().catch(() => {});

  const friends = [...app.friends].sort((a, b) => app.displayName(a.userID).localeCompare(app.displayName(b.userID)));
  const friendList = h(
    'section',
    { 'data-testid': 'friend-list' },
    h('h3', null, `Friends (${friends.length})`),
    friends.length
      ? h(
          'ul',
          { class: 'rows' },
          friends.map((f) =>
            h(
              'li',
              null,
              h(
                'button',
                { class: 'row' + (app.detailKey === 'friend:' + f.userID ? ' selected' : ''), 'data-testid': `friend-${f.userID}`, onclick: () => app.showDetail('friend:' + f.userID, () => friendDetail(app, f.userID), true) },
                avatar(app.displayName(f.userID), f.profile?.avatar),
                h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, app.displayName(f.userID)), h('span', { class: 'row-sub' }, f.remark ? `${f.userID}` : f.groupList.join(', '))),
              ),
            ),
          ),
        )
      : h('p', { class: 'empty' }, 'No friends yet: find someone by UserID above.'),
  );

  const lists = h(
    'section',
    { 'data-testid': 'friend-groups' },
    h('h3', null, 'Friend lists'),
    h(
      'ul',
      { class: 'rows' },
      app.friendGroups.map((g) =>
        h(
          'li',
          { class: 'row', 'data-testid': `friend-group-${g.name}` },
          h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, g.name), h('span', { class: 'row-sub' }, g.userIDList.map((u) => app.displayName(u)).join(', ') || 'empty')),
          h(
            'span',
            { class: 'row-actions' },
            h('button', {
              class: 'link',
              onclick: () => {
                const name = prompt('New name of the list', g.name)?.trim();
                if (name && name !== g.name) void app.run('Rename', () => c.renameFriendGroup({ oldName: g.name, newName: name }));
              },
            }, 'Rename'),
            h('button', { class: 'link', onclick: () => confirm(`Delete the list ${g.name}?`) && void app.run('Delete list', () => c.deleteFriendGroup({ name: g.name })) }, 'Delete'),
          ),
        ),
      ),
    ),
    form(
      { class: 'inline' },
      async (f) => {
        const name = field(f, 'name');
        if (name && (await app.run('Create list', () => c.createFriendGroup({ name, userIDList: [] })))) f.reset();
      },
      h('input', { name: 'name', placeholder: 'New list name', maxlength: 30, 'aria-label': 'New list name', 'data-testid': 'friend-group-name' }),
      h('button', { type: 'submit', 'data-testid': 'friend-group-create' }, 'Create'),
    ),
  );

  const blocked = h(
    'section',
    { 'data-testid': 'blocklist' },
    h('h3', null, 'Blocklist'),
    app.blocklist.length
      ? h(
          'ul',
          { class: 'rows' },
          app.blocklist.map((u) =>
            h(
              'li',
              { class: 'row', 'data-testid': `blocked-${u}` },
              avatar(u),
              h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, u)),
              h('span', { class: 'row-actions' }, h('button', { 'data-testid': `unblock-${u}`, onclick: () => void app.run('Unblock', () => c.removeFromBlacklist({ userIDList: [u] })) }, 'Unblock')),
            ),
          ),
        )
      : h('p', { class: 'empty' }, 'Nobody is blocked.'),
    form(
      { class: 'inline' },
      async (f) => {
        const u = field(f, 'userID');
        if (!u) return;
        const r = await app.run('Block', () => c.addToBlacklist({ userIDList: [u] }));
        if (r && !r.data.includes(u)) app.toast(`Could not block ${u}: no such user`, true);
        else if (r) f.reset();
      },
      h('input', { name: 'userID', placeholder: 'Block a UserID', maxlength: 32, 'aria-label': 'UserID to block', 'data-testid': 'block-input' }),
      h('button', { type: 'submit', 'data-testid': 'block-submit' }, 'Block'),
    ),
  );
  return h('div', { class: 'friends' }, h('h2', null, 'Friends'), search, requests, friendList, lists, blocked);
}

/** A user found by search: add as a friend (with a wording and a remark), message, block. */
function userCard(app: App, p: Profile): HTMLElement {
  const c = app.chat;
  const isFriend = app.friends.some((f) => f.userID === p.userID);
  const pending = app.applications.some((a) => a.userID === p.userID && a.type === TYPES.SNS_APPLICATION_SENT_BY_ME);
  const self = p.userID === app.me;
  return h(
    'section',
    { class: 'card detail', 'data-testid': 'user-card' },
    h('button', { class: 'back', 'aria-label': 'Back', 'data-testid': 'back', onclick: () => app.closeDetail() }, '‹'),
    profileHead(p),
    self
      ? h('p', null, 'This is you.')
      : isFriend
        ? h('p', null, 'Already your friend. ', h('button', { class: 'link', onclick: () => void app.openConversation('C2C' + p.userID) }, 'Send a message'))
        : pending
          ? h('p', { 'data-testid': 'request-pending' }, 'Friend request sent; waiting for an answer.')
          : form(
              { 'data-testid': 'add-friend' },
              async (f) => {
                const r = await app.run('Add friend', () =>
                  c.addFriend({ to: p.userID, source: 'AddSource_Type_Web', type: TYPES.SNS_ADD_TYPE_BOTH, wording: field(f, 'wording'), remark: field(f, 'remark') }),
                );
                if (r) app.toast(r.data.code === 30539 ? `Request sent to ${p.userID}` : `${p.userID} is now your friend`);
              },
              h('label', null, 'Message', h('input', { name: 'wording', placeholder: 'Hi, I am…', maxlength: 256, 'data-testid': 'add-wording' })),
              h('label', null, 'Remark', h('input', { name: 'remark', maxlength: 96 })),
              h('button', { type: 'submit', class: 'primary', 'data-testid': 'add-friend-submit' }, 'Add friend'),
            ),
    !self ? h('p', null, h('button', { class: 'link', onclick: () => void app.openConversation('C2C' + p.userID) }, 'Send a message')) : null,
  );
}

function profileHead(p: Profile, title = p.nick || p.userID): HTMLElement {
  return h(
    'div',
    { class: 'profile-head' },
    avatar(title, p.avatar),
    h('div', null, h('h2', { 'data-testid': 'profile-title' }, title), h('p', { class: 'row-sub' }, 'UserID: ', p.userID), p.selfSignature ? h('p', null, p.selfSignature) : null),
  );
}

/** A friend: remark, lists, message, delete, block. */
function friendDetail(app: App, userID: string): HTMLElement {
  const c = app.chat;
  const f: Friend | undefined = app.friends.find((x) => x.userID === userID);
  if (!f) return h('section', { class: 'card detail' }, h('button', { class: 'back', 'aria-label': 'Back', 'data-testid': 'back', onclick: () => app.closeDetail() }, '‹'), h('p', null, `${userID} is not your friend any more.`));
  const blocked = app.blocklist.includes(userID);
  return h(
    'section',
    { class: 'card detail', 'data-testid': 'friend-detail' },
    h('button', { class: 'back', 'aria-label': 'Back', 'data-testid': 'back', onclick: () => app.closeDetail() }, '‹'),
    profileHead(f.profile ?? ({ userID, nick: '', avatar: '', selfSignature: '' } as Profile), app.displayName(userID)),
    h('p', null, h('button', { class: 'primary', 'data-testid': 'friend-message', onclick: () => void app.openConversation('C2C' + userID) }, 'Send a message')),
    form(
      { class: 'inline', 'data-testid': 'remark-form' },
      async (form) => {
        const remark = field(form, 'remark');
        if (await app.run('Remark', () => c.updateFriend({ userID, remark }))) app.toast('Remark saved');
      },
      h('input', { name: 'remark', value: f.remark, placeholder: 'Remark', maxlength: 96, 'aria-label': 'Remark', 'data-testid': 'remark-input' }),
      h('button', { type: 'submit', 'data-testid': 'remark-save' }, 'Save remark'),
    ),
    h(
      'fieldset',
      { class: 'lists' },
      h('legend', null, 'Friend lists'),
      app.friendGroups.length
        ? app.friendGroups.map((g) => {
            const box = h('input', { type: 'checkbox', checked: g.userIDList.includes(userID) });
            box.addEventListener('change', () =>
              void app.run('Friend list', () => (box.checked ? c.addToFriendGroup({ name: g.name, userIDList: [userID] }) : c.removeFromFriendGroup({ name: g.name, userIDList: [userID] }))),
            );
            return h('label', { class: 'check' }, box, g.name);
          })
        : h('p', { class: 'hint' }, 'Create a friend list in the Friends pane to sort friends.'),
    ),
    h('p', { class: 'row-sub' }, `Friends since ${time(f.addTime)}${f.wording ? ` · “${f.wording}”` : ''}`),
    h(
      'div',
      { class: 'danger' },
      h('button', { 'data-testid': 'friend-delete', onclick: () => confirm(`Remove ${userID} from your friends?`) && void app.run('Delete friend', () => c.deleteFriend({ userIDList: [userID], type: TYPES.SNS_DELETE_TYPE_BOTH })) }, 'Delete friend'),
      blocked
        ? h('button', { onclick: () => void app.run('Unblock', () => c.removeFromBlacklist({ userIDList: [userID] })) }, 'Unblock')
        : h('button', { 'data-testid': 'friend-block', onclick: () => void app.run('Block', () => c.addToBlacklist({ userIDList: [userID] })) }, 'Block'),
    ),
  );
}
