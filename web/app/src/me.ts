// One's own profile (nick, avatar URL, gender, signature, who may add me)
// and logging out.

import TencentCloudChat from '../../sdk/src/index.js';
import { field, form, h } from './dom.js';
import { avatar, type App } from './main.js';

const { TYPES } = TencentCloudChat;

export function renderMe(app: App): HTMLElement {
  const p = app.profile;
  const option = (value: string, label: string, current: string | undefined) => h('option', { value, selected: value === current }, label);
  return h(
    'section',
    { class: 'me', 'data-testid': 'me' },
    h('h2', null, 'Me'),
    h('div', { class: 'profile-head' }, avatar(p?.nick || app.me, p?.avatar), h('div', null, h('h3', { 'data-testid': 'me-name' }, p?.nick || app.me), h('p', { class: 'row-sub' }, 'UserID: ', app.me))),
    form(
      { class: 'card', 'data-testid': 'profile-form' },
      async (f) => {
        const r = await app.run('Saving the profile', () =>
          app.chat.updateMyProfile({
            nick: field(f, 'nick'),
            avatar: field(f, 'avatar'),
            selfSignature: field(f, 'selfSignature'),
            gender: field(f, 'gender'),
            allowType: field(f, 'allowType'),
          }),
        );
        if (r) {
          app.profile = r.data;
          app.toast('Profile saved');
          app.refresh();
        }
      },
      h('label', null, 'Nickname', h('input', { name: 'nick', value: p?.nick ?? '', maxlength: 64, 'data-testid': 'profile-nick' })),
      h('label', null, 'Avatar URL', h('input', { name: 'avatar', type: 'url', value: p?.avatar ?? '', maxlength: 500 })),
      h('label', null, 'Signature', h('input', { name: 'selfSignature', value: p?.selfSignature ?? '', maxlength: 500 })),
      h(
        'label',
        null,
        'Gender',
        h('select', { name: 'gender' }, option(TYPES.GENDER_UNKNOWN, 'Not said', p?.gender), option(TYPES.GENDER_FEMALE, 'Female', p?.gender), option(TYPES.GENDER_MALE, 'Male', p?.gender)),
      ),
      h(
        'label',
        null,
        'Who may add me',
        h(
          'select',
          { name: 'allowType', 'data-testid': 'profile-allowtype' },
          option(TYPES.ALLOW_TYPE_NEED_CONFIRM, 'Anyone, after I accept', p?.allowType),
          option(TYPES.ALLOW_TYPE_ALLOW_ANY, 'Anyone, at once', p?.allowType),
          option(TYPES.ALLOW_TYPE_DENY_ANY, 'Nobody', p?.allowType),
        ),
      ),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'profile-save' }, 'Save'),
    ),
    h('button', { 'data-testid': 'logout', onclick: () => void app.logout() }, 'Log out'),
  );
}
