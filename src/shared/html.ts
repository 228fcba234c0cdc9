// Server-rendered pages: one escaping function, one tagged template that escapes every
// interpolation unless it is already-safe markup, one layout, and the headers every page gets.
import { createHash } from 'node:crypto';
import type { Context } from 'koa';

/** Markup that is safe to emit as is (built by `html` or the layout). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

/** Tagged template: `html\`<p>${untrusted}</p>\`` escapes every interpolation that is not SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f3f5f8}
main{max-width:30rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.75rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=email],input[type=password],input[type=text],select{width:100%;padding:.6rem;font-size:1rem;border:1px solid #b8c0cc;border-radius:.4rem}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #1f5fd1;background:#1f5fd1;color:#fff;cursor:pointer;margin-top:1.25rem}
button.secondary{background:#fff;color:#1f5fd1}
.actions{display:flex;gap:.75rem;justify-content:flex-end}
[role=alert]{background:#fdecea;border:1px solid #f5c2bd;color:#8a1c12;padding:.75rem;border-radius:.4rem;margin:1rem 0}
.warning{background:#fff6e0;border:1px solid #f0d58c;padding:.75rem;border-radius:.4rem;margin:1rem 0}
.scopes{padding-left:1.1rem}
.scopes li{margin:.6rem 0}
.tools{color:#4a5566;font-size:.9rem}
.effect{color:#8a1c12;font-weight:600}
.muted{color:#4a5566;font-size:.9rem}
code{font-size:.9rem;background:#eef1f5;padding:.05rem .3rem;border-radius:.25rem}
`;

// The stylesheet is inline and constant, so the CSP allows exactly it by hash and nothing else.
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** A whole page. `title` is escaped; `body` must be built with `html`. */
export function page(title: string, body: SafeHtml): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body.value}
</main>
</body>
</html>`;
}

/**
 * Headers for pages that carry credentials or one-time state (sign-in, consent, errors):
 * - never cached (an interaction page replayed from a cache would leak or fail);
 * - never framed: `frame-ancestors 'none'` against clickjacking of the Allow button;
 * - no CSP `form-action`: browsers apply it to the redirect chain that follows a form post, so
 *   `form-action 'self'` would block the 303 to the client's callback (interop.md 16);
 * - referrers only to this origin, so interaction ids and query strings never leak to other sites
 *   (`no-referrer` would also make browsers send `Origin: null` on the forms' posts, defeating
 *   the same-origin check of the sign-in and consent handlers).
 */
export function setPageHeaders(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ctx.set('Content-Security-Policy', `default-src 'none'; style-src ${STYLE_HASH}; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'`);
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
}

/** Renders a page with its headers. */
export function sendPage(ctx: Context, status: number, title: string, body: SafeHtml): void {
  setPageHeaders(ctx);
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page(title, body);
}
