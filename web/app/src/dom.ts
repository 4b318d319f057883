// A few DOM helpers: the app is plain TypeScript, each screen a function that
// builds its elements. Text always goes through textContent (never
// innerHTML), so a nick or a message can never inject markup.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

/** h('button', {class: 'x', onclick: f, 'data-testid': 'y'}, 'text', child, ...) */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'value' && 'value' in el) {
      el.setAttribute('value', String(v)); // the default too, so a redraw knows what was typed (preserveInputs)
      (el as HTMLInputElement).value = String(v);
    }
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces el's children. */
export function fill(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** The value of a form's named input, trimmed. */
export function field(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | null;
  return (el?.value ?? '').trim();
}

/** A form whose submit runs fn with the form (errors shown by the caller's handler). */
export function form(attrs: Attrs, onsubmit: (f: HTMLFormElement) => void | Promise<void>, ...children: (Child | Child[])[]): HTMLFormElement {
  const f = h('form', attrs, ...children);
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    void onsubmit(f);
  });
  return f;
}

export function time(seconds: number): string {
  if (!seconds) return '';
  const d = new Date(seconds * 1000);
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === now.toDateString()) return hm;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** Only http(s) URLs become links or images: a javascript: URL in a message stays text. */
export function safeURL(u: string): string | null {
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Rebuilds container's content with rebuild while keeping what the person was
 * typing: text fields (by their form's data-testid and their name) get their
 * value back, and the focused one its focus and caret. Lists redraw on every
 * event, so without this an arriving message would wipe a half-typed search.
 */
export function preserveInputs(container: Element, rebuild: () => void): void {
  const key = (el: HTMLInputElement | HTMLTextAreaElement) => `${el.form?.dataset.testid ?? ''}/${el.name}`;
  const typed = new Map<string, string>();
  const fields = () => [...container.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input[name]:not([type=checkbox]):not([type=radio]), textarea[name]')];
  for (const el of fields()) if (el.value !== el.defaultValue) typed.set(key(el), el.value);
  const active = document.activeElement as HTMLInputElement | null;
  const focused = active && container.contains(active) && active.name ? { key: key(active), start: active.selectionStart, end: active.selectionEnd } : null;
  rebuild();
  if (!typed.size && !focused) return;
  for (const el of fields()) {
    const k = key(el);
    const v = typed.get(k);
    if (v !== undefined) el.value = v;
    if (focused && k === focused.key) {
      el.focus();
      try {
        el.setSelectionRange(focused.start, focused.end);
      } catch {
        // not a text field (url, number): the caret stays at the end
      }
    }
  }
}
