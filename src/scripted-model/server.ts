import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';

/**
 * A scripted model: a local HTTP server that speaks the Messages API wire format
 * (`POST /v1/messages`) so the real `@anthropic-ai/sdk` can run offline in tests and in the demo
 * without a key. It is not a model: each reply comes from a script that looks at the request.
 */
export type ScriptedReply = { readonly content: Anthropic.ContentBlock[]; readonly stop_reason: Anthropic.StopReason };
export type Script = (request: Anthropic.MessageCreateParamsNonStreaming, turn: number) => ScriptedReply;

export interface ScriptedModel {
  /** Base URL to give the SDK (`new Anthropic({ baseURL })`). */
  readonly url: string;
  /** Every request body received, in order, for assertions. */
  readonly requests: Anthropic.MessageCreateParamsNonStreaming[];
  close(): Promise<void>;
}

export async function startScriptedModel(script: Script, port = 0): Promise<ScriptedModel> {
  const requests: Anthropic.MessageCreateParamsNonStreaming[] = [];
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_scripted_${randomUUID()}` });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
      return reply(404, apiError('not_found_error', `No route ${req.method} ${req.url}`));
    }
    if (!req.headers['x-api-key'] && !req.headers.authorization) {
      return reply(401, apiError('authentication_error', 'x-api-key header is required'));
    }
    let body: Anthropic.MessageCreateParamsNonStreaming;
    try {
      body = JSON.parse(await readBody(req)) as Anthropic.MessageCreateParamsNonStreaming;
    } catch {
      return reply(400, apiError('invalid_request_error', 'body is not valid JSON'));
    }
    requests.push(body);
    try {
      const { content, stop_reason } = script(body, requests.length);
      reply(200, {
        id: `msg_scripted_${requests.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content,
        stop_reason,
        stop_sequence: null,
        usage: {
          input_tokens: Math.ceil(JSON.stringify(body).length / 4),
          output_tokens: Math.ceil(JSON.stringify(content).length / 4),
        },
      });
    } catch (error) {
      reply(500, apiError('api_error', `script failed: ${(error as Error).message}`));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function apiError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Content-block builders for scripts. */
export const reply = {
  text: (text: string): Anthropic.TextBlock => ({ type: 'text', text, citations: null }),
  toolUse: (
    name: string,
    input: unknown,
    id = `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
  ): Anthropic.ToolUseBlock =>
    ({ type: 'tool_use', id, name, input, caller: { type: 'direct' } }) as Anthropic.ToolUseBlock,
};

/** The tool results in the last user turn of a request (what the app sent back). */
export function lastToolResults(request: Anthropic.MessageCreateParamsNonStreaming): Anthropic.ToolResultBlockParam[] {
  const last = request.messages.at(-1);
  if (!last || last.role !== 'user' || typeof last.content === 'string') return [];
  return last.content.filter((b): b is Anthropic.ToolResultBlockParam => b.type === 'tool_result');
}
