// The public connect page at `/` (dashboard.md "`/` — Connect"): generated from PUBLIC_URL and the
// tool registry, with each client's setup from seed 001, the tool table, the troubleshooting
// answers and a Sign in link; the dashboard's security headers; every value escaped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderConnectPage, toolKind, type ConnectTool } from '../src/dashboard/connect/page.js';
import { shellWord } from '../src/dashboard/connect/clients.js';
import { accountTools } from '../src/resource/tools/registry.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { decodeEntities } from './helpers/oauth.js';

// A public URL other than the address the test server listens on: the page must use the former.
const PUBLIC_URL = 'https://mcp.example.test';
const MCP_URL = `${PUBLIC_URL}/api/mcp`;

let t: TestApp;
let page: string;
let headers: Headers;

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL });
  const res = await fetch(`${t.listenUrl}/`);
  expect(res.status).toBe(200);
  headers = res.headers;
  page = await res.text();
}, 60_000);
afterAll(async () => t?.stop());

/** The rows of the tool table: `<tr>` elements of the table captioned with the tool count. */
function toolRows(htmlText: string): Map<string, string> {
  const table = /<table class="list">\s*<caption>The \d+ tools of[\s\S]*?<\/table>/.exec(htmlText)?.[0] ?? '';
  const rows = new Map<string, string>();
  for (const [row] of table.matchAll(/<tr>[\s\S]*?<\/tr>/g)) {
    const name = /<td data-label="Tool"><code>([a-z_]+)<\/code>/.exec(row)?.[1];
    if (name) rows.set(name, row);
  }
  return rows;
}

/** The text of the snippet whose Copy label is `label`, unescaped, as a person would copy it. */
function snippet(label: string): string {
  const match = new RegExp(`<pre data-copy="${label.replace(/[()]/g, '\\$&')}">([\\s\\S]*?)</pre>`).exec(page);
  if (!match) throw new Error(`no snippet labelled ${label}`);
  return decodeEntities(match[1]!);
}

const text = () => decodeEntities(page.replace(/<[^>]+>/g, ''));

describe('the connect page at /', () => {
  it('is public HTML with the dashboard’s security headers: no inline script, never framed, same-origin referrers, nosniff', () => {
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(headers.get('referrer-policy')).toBe('same-origin');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    // Scripts only from files (the Copy buttons), no inline handlers or styles.
    const scripts = [...page.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/ src="\/[^"]+"/);
    expect(page).not.toMatch(/<script>|\son[a-z]+=|\sstyle=|<style/i);
  });

  it('shows the MCP URL from PUBLIC_URL, never the address it listens on, in a field the Copy script targets', () => {
    expect(page).toContain(`<input type="text" id="mcp-url" readonly value="${MCP_URL}" data-copy="MCP server URL">`);
    expect(page).toMatch(/<label for="mcp-url"[^>]*>MCP server URL<\/label>/);
    expect(page).not.toContain(t.listenUrl.replace('http://', ''));
  });

  it('lists every registry tool with what it does, its scopes and read-only / write / real-world kind from its annotations', () => {
    const rows = toolRows(page);
    const tools = accountTools.list();
    expect([...rows.keys()].sort()).toEqual(tools.map((tool) => tool.name).sort());
    expect(page).toContain(`The ${tools.length} tools of KaiCalls`);
    for (const tool of tools) {
      const row = decodeEntities(rows.get(tool.name)!);
      expect(row, tool.name).toContain(tool.description);
      for (const scope of tool.scopes) expect(row, tool.name).toContain(`<code>${scope}</code>`);
      const kind = /<td data-label="Kind"><span[^>]*>([^<]+)<\/span>/.exec(row)?.[1];
      if (tool.annotations.readOnlyHint) expect(kind, tool.name).toBe('Read-only');
      else expect(kind, tool.name).toMatch(tool.externalEffect ? /^Write: / : /^Write$/);
    }
    expect(decodeEntities(rows.get('make_call')!)).toContain('Write: places real phone calls');
    expect(decodeEntities(rows.get('send_sms')!)).toContain('Write: sends real text messages');
    expect(decodeEntities(rows.get('list_agents')!)).toContain('Read-only');
  });

  it('lists the same tools as the discovery document a curl of /.well-known/mcp.json returns', async () => {
    const doc = (await (await fetch(`${t.listenUrl}/.well-known/mcp.json`)).json()) as { tools: { name: string }[] };
    expect([...toolRows(page).keys()].sort()).toEqual(doc.tools.map((tool) => tool.name).sort());
    expect(snippet('curl command')).toBe(`curl ${PUBLIC_URL}/.well-known/mcp.json`);
  });

  it('gives Claude Code commands with OAuth and with an API key header', () => {
    expect(snippet('Claude Code command (OAuth)')).toBe(`claude mcp add --transport http --scope user kaicalls ${MCP_URL}\nclaude mcp list`);
    expect(snippet('Claude Code command (API key)')).toBe(
      `claude mcp add --transport http --scope user kaicalls-api ${MCP_URL} \\\n  -H "Authorization: Bearer kc_live_xxxxx"\nclaude mcp list`,
    );
    expect(text()).toContain('run /mcp, select kaicalls and choose Authenticate');
  });

  it('gives the Claude and ChatGPT custom connector steps with the URL', () => {
    const body = text();
    expect(body).toContain('Settings → Connectors → Add custom connector');
    expect(body).toContain(`Paste the MCP server URL: ${MCP_URL}`);
    expect(body).toContain('Settings → Connectors → Advanced → Developer mode');
    expect(body).toContain(`Add a connector with the MCP server URL ${MCP_URL}`);
  });

  it('gives VS Code, Cursor and Windsurf files that parse, pointing at the URL', () => {
    expect(JSON.parse(snippet('VS Code mcp.json'))).toEqual({ servers: { kaicalls: { type: 'http', url: MCP_URL } } });
    expect(JSON.parse(snippet('VS Code mcp.json with an API key'))).toEqual({
      servers: { kaicalls: { type: 'http', url: MCP_URL, headers: { Authorization: 'Bearer kc_live_xxxxx' } } },
    });
    expect(JSON.parse(snippet('Cursor mcp.json'))).toEqual({ mcpServers: { kaicalls: { url: MCP_URL } } });
    expect(JSON.parse(snippet('Windsurf mcp_config.json'))).toEqual({ mcpServers: { kaicalls: { serverUrl: MCP_URL } } });
    expect(page).toContain('<code>.vscode/mcp.json</code>');
    expect(page).toContain('<code>~/.cursor/mcp.json</code>');
    expect(page).toContain('<code>~/.codeium/windsurf/mcp_config.json</code>');
  });

  it('gives the MCP Inspector steps', () => {
    expect(snippet('MCP Inspector command')).toBe('npx @modelcontextprotocol/inspector');
    expect(text()).toContain(`URL: ${MCP_URL}`);
    expect(text()).toContain('Transport: Streamable HTTP.');
  });

  it('answers the first-setup problems: Needs authentication, no business, 401, Missing required scope', () => {
    const headings = [...page.matchAll(/<h3>([\s\S]*?)<\/h3>/g)].map((m) => decodeEntities(m[1]!.replace(/<[^>]+>/g, '')));
    expect(headings).toEqual(
      expect.arrayContaining([
        'The client says Needs authentication',
        'OAuth opens, then shows no business',
        'Requests with a key get 401',
        'A tool returns Missing required scope',
      ]),
    );
    expect(text()).toContain('A read-only setup needs agents:read and calls:read; placing calls also needs calls:write.');
  });

  it('links Sign in to the dashboard', () => {
    expect(page).toContain('<a class="sign-in" href="/dashboard/sign-in">Sign in</a>');
  });

  it('answers HEAD, refuses other methods with 405, and serves its stylesheet', async () => {
    expect((await fetch(`${t.listenUrl}/`, { method: 'HEAD' })).status).toBe(200);
    const post = await fetch(`${t.listenUrl}/`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toContain('GET');
    for (const href of [...page.matchAll(/<link rel="stylesheet" href="([^"]+)">|<script src="([^"]+)"/g)].map((m) => m[1] ?? m[2]!)) {
      const asset = await fetch(`${t.listenUrl}${href}`);
      expect(asset.status, href).toBe(200);
      expect(asset.headers.get('content-type'), href).toMatch(/^text\/(css|javascript)/);
    }
  });
});

describe('escaping and quoting', () => {
  const hostile: ConnectTool = {
    name: 'x_tool',
    title: 'X',
    description: `<script>alert("d")</script> & 'quoted' \`tick\``,
    scopes: ['calls:read'],
    externalEffect: false,
    readOnly: true,
  };

  it('escapes every value the page is built from: tool text, server title and name', () => {
    const html = renderConnectPage({ mcpUrl: 'https://h.example/api/mcp', publicUrl: 'https://h.example', name: 'k"<b>', title: 'Kai <i>Calls</i> & "Co"' }, [hostile]);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<i>Calls');
    expect(html).toContain('&lt;script&gt;alert(&quot;d&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &#96;tick&#96;');
    expect(html).toContain('<title>Connect Kai &lt;i&gt;Calls&lt;/i&gt; &amp; &quot;Co&quot; to your AI client</title>');
    // The server name inside a JSON file and a shell command stays literal once unescaped.
    const vscode = /<pre data-copy="VS Code mcp.json">([\s\S]*?)<\/pre>/.exec(html)![1]!;
    expect(JSON.parse(decodeEntities(vscode))).toEqual({ servers: { 'k"<b>': { type: 'http', url: 'https://h.example/api/mcp' } } });
    expect(toolKind(hostile)).toBe('Read-only');
  });

  it('quotes a URL a shell would read specially (an IPv6 host is a zsh glob), and leaves a plain one alone', () => {
    expect(shellWord('https://mcp.example.com/api/mcp')).toBe('https://mcp.example.com/api/mcp');
    expect(shellWord('http://[::1]:3000/api/mcp')).toBe("'http://[::1]:3000/api/mcp'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    const html = renderConnectPage({ mcpUrl: 'http://[::1]:3000/api/mcp', publicUrl: 'http://[::1]:3000', name: 'kaicalls', title: 'KaiCalls' }, [hostile]);
    expect(decodeEntities(/<pre data-copy="Claude Code command \(OAuth\)">([\s\S]*?)<\/pre>/.exec(html)![1]!)).toBe(
      "claude mcp add --transport http --scope user kaicalls 'http://[::1]:3000/api/mcp'\nclaude mcp list",
    );
  });
});
