// The login screen: a typed UserID when the server's development login is
// on (POST /app/api/dev-login signs a UserSig), a pasted UserSig, or a UserSig
// fetched from the app server's own endpoint (POST {userID} → {userSig}).

import { field, form, h } from './dom.js';
import type { App } from './main.js';

export interface Session {
  SDKAppID: number;
  userID: string;
  userSig: string;
}

interface ServerConfig {
  SDKAppID: number;
  devLogin: boolean;
}

const USER_ID = /^[A-Za-z0-9_-]{1,32}$/;

async function postJSON(url: string, body: unknown): Promise<any> {
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  let d: any = null;
  try {
    d = await r.json();
  } catch {
    throw new Error(`${url} answered HTTP ${r.status} without JSON`);
  }
  if (!r.ok || (d && d.ErrorCode)) throw new Error(d?.ErrorInfo ? `${d.ErrorInfo} (${d.ErrorCode})` : `HTTP ${r.status}`);
  return d;
}

export function renderLogin(app: App, notice?: string): HTMLElement {
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'login-error', hidden: true });
  const fail = (e: any) => {
    error.textContent = String(e?.message ?? e) + (e?.code ? ` (${e.code})` : '');
    error.hidden = false;
  };
  let config: ServerConfig | null = null;
  const busy = (f: HTMLFormElement, on: boolean) => f.querySelectorAll('button').forEach((b) => (b.disabled = on));
  const attempt = async (f: HTMLFormElement, get: () => Promise<Session>) => {
    error.hidden = true;
    busy(f, true);
    try {
      await app.login(await get());
    } catch (e) {
      fail(e);
    } finally {
      busy(f, false);
    }
  };
  const checkUser = (u: string) => {
    if (!USER_ID.test(u)) throw new Error('A UserID is 1 to 32 letters, digits, "_" or "-"');
    return u;
  };

  const dev = form(
    { class: 'card', 'data-testid': 'dev-login', hidden: true },
    (f) =>
      attempt(f, async () => {
        const d = await postJSON('api/dev-login', { userID: checkUser(field(f, 'userID')), SDKAppID: config?.SDKAppID });
        return { SDKAppID: d.SDKAppID, userID: d.userID, userSig: d.userSig };
      }),
    h('h2', null, 'Development login'),
    h('p', { class: 'hint' }, 'This server signs a UserSig for any UserID you type (a new one is created).'),
    h('label', null, 'UserID', h('input', { name: 'userID', autocomplete: 'username', required: true, maxlength: 32, 'data-testid': 'login-userid', autofocus: true })),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, 'Log in'),
  );

  const sdkAppID = h('input', { name: 'SDKAppID', inputmode: 'numeric', required: true, 'data-testid': 'sig-sdkappid' });
  const withSig = form(
    { class: 'card', 'data-testid': 'sig-login' },
    (f) =>
      attempt(f, async () => {
        const id = Number(field(f, 'SDKAppID'));
        if (!Number.isSafeInteger(id) || id <= 0) throw new Error('SDKAppID is a positive number');
        const sig = field(f, 'userSig');
        if (!sig) throw new Error('Paste a UserSig');
        return { SDKAppID: id, userID: checkUser(field(f, 'userID')), userSig: sig };
      }),
    h('h2', null, 'Log in with a UserSig'),
    h('label', null, 'SDKAppID', sdkAppID),
    h('label', null, 'UserID', h('input', { name: 'userID', autocomplete: 'username', required: true, maxlength: 32 })),
    h('label', null, 'UserSig', h('textarea', { name: 'userSig', rows: 3, required: true, spellcheck: 'false' })),
    h('button', { type: 'submit' }, 'Log in'),
  );

  const endpoint = h('input', { name: 'endpoint', type: 'url', placeholder: 'https://your-app.example/usersig', required: true });
  endpoint.value = localStorage.getItem('parley.usersigEndpoint') ?? '';
  const fromServer = form(
    { class: 'card', 'data-testid': 'endpoint-login' },
    (f) =>
      attempt(f, async () => {
        const url = field(f, 'endpoint');
        const userID = checkUser(field(f, 'userID'));
        localStorage.setItem('parley.usersigEndpoint', url);
        const d = await postJSON(url, { userID });
        const id = Number(d.SDKAppID ?? d.sdkAppID ?? config?.SDKAppID);
        if (typeof d.userSig !== 'string' || !id) throw new Error('the endpoint must answer {"userSig": "...", "SDKAppID": ...}');
        return { SDKAppID: id, userID, userSig: d.userSig };
      }),
    h('h2', null, 'Log in through your app server'),
    h('p', { class: 'hint' }, 'The app POSTs {"userID"} to this URL and expects {"SDKAppID", "userSig"} back.'),
    h('label', null, 'UserSig endpoint', endpoint),
    h('label', null, 'UserID', h('input', { name: 'userID', autocomplete: 'username', required: true, maxlength: 32 })),
    h('button', { type: 'submit' }, 'Log in'),
  );

  const others = h('details', { class: 'other-logins', 'data-testid': 'other-logins' }, h('summary', null, 'Other ways to log in'), withSig, fromServer);
  const page = h(
    'div',
    { class: 'login', 'data-testid': 'login-screen' },
    h('h1', null, 'Parley'),
    notice ? h('p', { class: 'notice', role: 'status', 'data-testid': 'login-notice' }, notice) : null,
    error,
    dev,
    others,
  );

  fetch('api/config')
    .then((r) => r.json())
    .then((c: ServerConfig) => {
      config = c;
      if (!sdkAppID.value) sdkAppID.value = String(c.SDKAppID);
      dev.hidden = !c.devLogin;
      if (!c.devLogin) others.open = true; // never closed: the person may have opened it meanwhile
      if (c.devLogin) (dev.querySelector('input') as HTMLInputElement).focus();
    })
    .catch(() => (others.open = true));
  return page;
}
