// The fixture surface of the official MCP conformance suite (@modelcontextprotocol/conformance),
// served at /api/mcp/conformance when MCP_CONFORMANCE_FIXTURES=true, through the same transport,
// sessions and credential checks as /api/mcp. The names, texts and shapes below are the ones the
// suite's scenarios call and check; none of this is product behaviour, and it is off by default.
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type LoggingLevel,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { z } from 'zod';
import type { Scope } from '../../scopes/index.js';
import { credentialFrom } from '../auth/credentials.js';
import type { ServerFactory } from '../framework/mcp-server.js';
import { missingToolScopes } from '../framework/tool.js';

/** A 1×1 red PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';
/** One millisecond of 8 kHz 8-bit mono silence. */
const WAV_BASE64 = 'UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==';

/**
 * Scopes of the fixture tools. All need a credential (tools/call always does); one also needs
 * calls:write, so that step-up (403 insufficient_scope) and the API-key "Missing required scope"
 * refusal can be exercised before a real calls:write tool exists.
 */
export const CONFORMANCE_TOOL_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
  test_simple_text: [],
  test_image_content: [],
  test_audio_content: [],
  test_embedded_resource: [],
  test_multiple_content_types: [],
  test_tool_with_logging: [],
  test_error_handling: [],
  test_tool_with_progress: [],
  test_sampling: [],
  test_elicitation: [],
  test_elicitation_sep1034_defaults: [],
  test_elicitation_sep1330_enums: [],
  test_scope_calls_write: ['calls:write'],
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

export function createConformanceServerFactory(): ServerFactory {
  const jsonSchemaValidator = new AjvJsonSchemaValidator();

  return function createServer() {
    const server = new McpServer(
      { name: 'kaicalls-conformance-fixtures', version: '1.0.0' },
      { capabilities: { logging: {}, resources: { subscribe: true, listChanged: true } }, jsonSchemaValidator },
    );
    const subscriptions = new Set<string>();

    server.registerTool('test_simple_text', { description: 'Returns a fixed text.' }, () => text('This is a simple text response for testing.'));

    server.registerTool('test_image_content', { description: 'Returns a 1×1 PNG image.' }, () => ({
      content: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }],
    }));

    server.registerTool('test_audio_content', { description: 'Returns a short WAV clip.' }, () => ({
      content: [{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }],
    }));

    server.registerTool('test_embedded_resource', { description: 'Returns an embedded text resource.' }, () => ({
      content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
    }));

    server.registerTool('test_multiple_content_types', { description: 'Returns text, an image and a resource.' }, () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' } },
      ],
    }));

    server.registerTool('test_tool_with_logging', { description: 'Sends three log messages while it runs.' }, async (extra) => {
      const log = (level: LoggingLevel, data: string) => extra.sendNotification({ method: 'notifications/message', params: { level, data } });
      await log('info', 'Tool execution started');
      await sleep(50);
      await log('info', 'Tool processing data');
      await sleep(50);
      await log('info', 'Tool execution completed');
      return text('Tool with logging executed successfully');
    });

    server.registerTool('test_error_handling', { description: 'Always fails.' }, () => {
      throw new Error('This tool intentionally returns an error for testing');
    });

    server.registerTool('test_tool_with_progress', { description: 'Reports progress 0, 50, 100 of 100.' }, async (extra) => {
      const token = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total: 100 } });
        if (progress < 100) await sleep(50);
      }
      return text('Tool with progress executed successfully');
    });

    server.registerTool(
      'test_sampling',
      { description: 'Asks the client to sample an LLM.', inputSchema: { prompt: z.string().describe('The prompt to send to the LLM.') } },
      async ({ prompt }, extra) => {
        const result = await extra.sendRequest(
          { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 } },
          CreateMessageResultSchema,
        );
        const reply = result.content.type === 'text' ? result.content.text : `[${result.content.type}]`;
        return text(`LLM response: ${reply}`);
      },
    );

    server.registerTool(
      'test_elicitation',
      { description: 'Asks the user for a username and an email.', inputSchema: { message: z.string().describe('The message to show the user.') } },
      async ({ message }, extra) => {
        const result = await extra.sendRequest(
          {
            method: 'elicitation/create',
            params: {
              message,
              requestedSchema: {
                type: 'object',
                properties: {
                  username: { type: 'string', description: "User's response" },
                  email: { type: 'string', description: "User's email address" },
                },
                required: ['username', 'email'],
              },
            },
          },
          ElicitResultSchema,
        );
        return text(`User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
      },
    );

    server.registerTool('test_elicitation_sep1034_defaults', { description: 'Elicitation whose fields all have defaults.' }, async (extra) => {
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            message: 'Please review and update the form fields with defaults',
            requestedSchema: {
              type: 'object',
              properties: {
                name: { type: 'string', description: 'User name', default: 'John Doe' },
                age: { type: 'integer', description: 'User age', default: 30 },
                score: { type: 'number', description: 'User score', default: 95.5 },
                status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
                verified: { type: 'boolean', description: 'Verification status', default: true },
              },
            },
          },
        },
        ElicitResultSchema,
      );
      return text(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    });

    server.registerTool('test_elicitation_sep1330_enums', { description: 'Elicitation with every enum form.' }, async (extra) => {
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            message: 'Please select options from the enum fields',
            requestedSchema: {
              type: 'object',
              properties: {
                untitledSingle: { type: 'string', description: 'Untitled single-select', enum: ['option1', 'option2', 'option3'] },
                titledSingle: {
                  type: 'string',
                  description: 'Titled single-select',
                  oneOf: [
                    { const: 'value1', title: 'First Option' },
                    { const: 'value2', title: 'Second Option' },
                    { const: 'value3', title: 'Third Option' },
                  ],
                },
                legacyEnum: {
                  type: 'string',
                  description: 'Legacy titled enum',
                  enum: ['opt1', 'opt2', 'opt3'],
                  enumNames: ['Option One', 'Option Two', 'Option Three'],
                },
                untitledMulti: {
                  type: 'array',
                  description: 'Untitled multi-select',
                  items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
                },
                titledMulti: {
                  type: 'array',
                  description: 'Titled multi-select',
                  items: {
                    anyOf: [
                      { const: 'value1', title: 'First Choice' },
                      { const: 'value2', title: 'Second Choice' },
                      { const: 'value3', title: 'Third Choice' },
                    ],
                  },
                },
              },
            },
          },
        },
        ElicitResultSchema,
      );
      return text(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    });

    server.registerTool('test_scope_calls_write', { description: 'Needs the calls:write scope; changes nothing.' }, (extra) => {
      const credential = credentialFrom(extra.authInfo);
      const missing = credential ? missingToolScopes({ scopes: ['calls:write'] }, {}, credential.scopes) : ['calls:write'];
      if (missing.length > 0) return { ...text(`Missing required scope: ${missing.join(', ')}`), isError: true };
      return text('calls:write granted');
    });

    server.registerResource('static-text', 'test://static-text', { description: 'A static text resource.', mimeType: 'text/plain' }, (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
    }));
    server.registerResource('static-binary', 'test://static-binary', { description: 'A static binary resource (a PNG).', mimeType: 'image/png' }, (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG_BASE64 }],
    }));
    server.registerResource('watched-resource', 'test://watched-resource', { description: 'A resource clients can subscribe to.', mimeType: 'text/plain' }, (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Watched resource content.' }],
    }));
    server.registerResource(
      'template-data',
      new ResourceTemplate('test://template/{id}/data', { list: undefined }),
      { description: 'Data for an id, from a URI template.', mimeType: 'application/json' },
      (uri, variables) => {
        const id = String(variables.id);
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }] };
      },
    );
    server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
      subscriptions.add(request.params.uri);
      return {};
    });
    server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
      subscriptions.delete(request.params.uri);
      return {};
    });

    server.registerPrompt('test_simple_prompt', { description: 'A prompt without arguments.' }, () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    }));
    server.registerPrompt(
      'test_prompt_with_arguments',
      {
        description: 'A prompt with two arguments.',
        argsSchema: {
          arg1: completable(z.string().describe('First test argument'), (value) => ['paris', 'park', 'party', 'test', 'testing'].filter((v) => v.startsWith(value))),
          arg2: z.string().describe('Second test argument'),
        },
      },
      ({ arg1, arg2 }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] }),
    );
    server.registerPrompt(
      'test_prompt_with_embedded_resource',
      { description: 'A prompt that embeds a resource.', argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') } },
      ({ resourceUri }) => ({
        messages: [
          { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
          { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
        ],
      }),
    );
    server.registerPrompt('test_prompt_with_image', { description: 'A prompt with an image.' }, () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: PNG_BASE64, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }));

    return server;
  };
}
