// How each MCP client is set up (seed 001, "Connect KaiCalls to AI clients"), written from the
// server's own URL and name: the commands and files a person copies are the ones that work against
// this deployment, never an example host.
import { READ_ONLY_SCOPES } from '../../scopes/index.js';

/** Stands in for a real key in commands and files: recognisably a placeholder, still a shell-safe word. */
export const KEY_PLACEHOLDER = 'kc_live_xxxxx';

/** One block of text a person copies as it is (a command, a file). */
export interface Snippet {
  /** Names the block, e.g. for its Copy button: "Claude Code command (OAuth)". */
  readonly label: string;
  /** Where it goes, when it is a file: `.vscode/mcp.json`. */
  readonly file?: string;
  readonly text: string;
}

/** A piece of a client's setup: a paragraph, a numbered list of steps, or a snippet. */
export type SetupPart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'steps'; readonly steps: readonly string[] } | ({ readonly kind: 'snippet' } & Snippet);

export interface ClientSetup {
  /** The fragment id of its section. */
  readonly id: string;
  readonly name: string;
  readonly parts: readonly SetupPart[];
}

export interface ServerIdentity {
  /** The MCP endpoint, e.g. https://mcp.example.com/api/mcp. */
  readonly mcpUrl: string;
  /** The public origin, for the discovery documents. */
  readonly publicUrl: string;
  /** The name clients register the server under (`kaicalls`). */
  readonly name: string;
  /** How people call it (`KaiCalls`). */
  readonly title: string;
}

/**
 * A word for a POSIX shell: as it is when it holds only characters no shell reads specially, else
 * in single quotes. (An IPv6 host's brackets are a glob in zsh: `http://[::1]:3000/api/mcp` unquoted
 * fails there with "no matches found".)
 */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

const text = (value: string): SetupPart => ({ kind: 'text', text: value });
const steps = (...list: string[]): SetupPart => ({ kind: 'steps', steps: list });
const snippet = (label: string, value: string, file?: string): SetupPart => ({ kind: 'snippet', label, text: value, ...(file ? { file } : {}) });

export function clientSetups(server: ServerIdentity): readonly ClientSetup[] {
  const { mcpUrl, name, title } = server;
  const url = shellWord(mcpUrl);
  const bearer = `Authorization: Bearer ${KEY_PLACEHOLDER}`;
  const readOnly = READ_ONLY_SCOPES.join(' and ');
  return [
    {
      id: 'claude-code',
      name: 'Claude Code',
      parts: [
        text('Add the server from a terminal, then check that it is listed:'),
        snippet('Claude Code command (OAuth)', `claude mcp add --transport http --scope user ${name} ${url}\nclaude mcp list`),
        text(
          `If it shows "${name} - Needs authentication", start an interactive Claude Code session, run /mcp, select ${name} and choose Authenticate: ` +
            `the ${title} sign-in and consent pages open in your browser.`,
        ),
        text(`To skip OAuth, create an API key in the dashboard and pass it as a header (a read-only key needs ${readOnly}):`),
        snippet('Claude Code command (API key)', `claude mcp add --transport http --scope user ${name}-api ${url} \\\n  -H "${bearer}"\nclaude mcp list`),
      ],
    },
    {
      id: 'claude',
      name: 'Claude (claude.ai and Desktop)',
      parts: [
        steps(
          'Open Settings → Connectors → Add custom connector.',
          `Paste the MCP server URL: ${mcpUrl}`,
          `Sign in and approve the ${title} consent screen when Claude opens it; pick the business the connection is for.`,
          'Enable the tools you want. Start with the read-only ones; turn on the tools that place calls or send texts when you are ready.',
        ),
      ],
    },
    {
      id: 'chatgpt',
      name: 'ChatGPT (Developer mode)',
      parts: [
        steps(
          'Enable Settings → Connectors → Advanced → Developer mode.',
          `Add a connector with the MCP server URL ${mcpUrl}`,
          `Complete the OAuth sign-in with your ${title} account.`,
        ),
        text('ChatGPT connects with OAuth only: it does not take a pasted API key.'),
      ],
    },
    {
      id: 'vscode',
      name: 'VS Code and GitHub Copilot',
      parts: [
        text('Add an entry to .vscode/mcp.json in your workspace (or to your user settings); VS Code runs the OAuth flow on first use:'),
        snippet('VS Code mcp.json', json({ servers: { [name]: { type: 'http', url: mcpUrl } } }), '.vscode/mcp.json'),
        text('Without a browser, send an API key instead:'),
        snippet(
          'VS Code mcp.json with an API key',
          json({ servers: { [name]: { type: 'http', url: mcpUrl, headers: { Authorization: `Bearer ${KEY_PLACEHOLDER}` } } } }),
          '.vscode/mcp.json',
        ),
      ],
    },
    {
      id: 'cursor',
      name: 'Cursor',
      parts: [
        text('Add the server to ~/.cursor/mcp.json (all projects) or .cursor/mcp.json (one project); Cursor handles the OAuth handshake:'),
        snippet('Cursor mcp.json', json({ mcpServers: { [name]: { url: mcpUrl } } }), '~/.cursor/mcp.json'),
        text('Or with an API key:'),
        snippet(
          'Cursor mcp.json with an API key',
          json({ mcpServers: { [name]: { url: mcpUrl, headers: { Authorization: `Bearer ${KEY_PLACEHOLDER}` } } } }),
          '~/.cursor/mcp.json',
        ),
      ],
    },
    {
      id: 'windsurf',
      name: 'Windsurf',
      parts: [
        text('Add the server to ~/.codeium/windsurf/mcp_config.json, reload Cascade’s MCP servers, then authorize when prompted:'),
        snippet('Windsurf mcp_config.json', json({ mcpServers: { [name]: { serverUrl: mcpUrl } } }), '~/.codeium/windsurf/mcp_config.json'),
      ],
    },
    {
      id: 'inspector',
      name: 'MCP Inspector',
      parts: [
        text('Check the server before wiring up a client:'),
        snippet('MCP Inspector command', 'npx @modelcontextprotocol/inspector'),
        steps(
          'Transport: Streamable HTTP.',
          `URL: ${mcpUrl}`,
          'tools/list works without signing in; run the OAuth flow or add an Authorization header with an API key before calling a tool.',
        ),
      ],
    },
    {
      id: 'curl',
      name: 'curl',
      parts: [
        text('See what the server advertises (its tools, scopes and how to authenticate) without any client:'),
        snippet('curl command', `curl ${shellWord(`${server.publicUrl}/.well-known/mcp.json`)}`),
      ],
    },
  ];
}
