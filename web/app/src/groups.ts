// Groups: shown once the Web SDK has the group methods (createGroup, ...).

import { h } from './dom.js';
import type { App } from './main.js';

/** Whether the SDK this app was built with has Tencent's group methods. */
export function groupsSupported(app: App): boolean {
  return typeof (app.chat as any)?.createGroup === 'function';
}

export function renderGroupsList(_app: App): HTMLElement {
  return h('section', null, h('h2', null, 'Groups'), h('p', { class: 'empty' }, 'Groups need a newer Web SDK.'));
}
