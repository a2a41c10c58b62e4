import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import type { ToolDescriptor } from '../../gateway/types.js';
import type { CallResult } from '../../pipeline/types.js';

/** A gateway tool descriptor as an MCP `Tool` (schemas and annotations are already derived). */
export function descriptorToMcpTool(tool: ToolDescriptor): Tool {
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    outputSchema: tool.outputSchema as Tool['outputSchema'],
    annotations: { ...tool.annotations },
    _meta: { 'toolgate/maxResultTokens': tool.maxResultTokens },
  };
}

/**
 * A gateway result as an MCP tool result: structured content plus the same JSON as text (the
 * Claude API connector passes only text on). Failures are `isError` results carrying the typed
 * error, so the model can read the code and decide, rather than protocol errors it cannot see.
 */
export function callResultToMcp(result: CallResult): CallToolResult {
  // Every result names its audit record, so a client or support engineer can point at it.
  const _meta = result.auditId ? { [AUDIT_META_KEY]: result.auditId } : undefined;
  if (result.ok) {
    return { content: [{ type: 'text', text: result.text }], structuredContent: result.structured, _meta };
  }
  return { content: [{ type: 'text', text: result.text }], isError: true, ...(_meta ? { _meta } : {}) };
}

/** MCP `_meta` keys take a reverse-DNS-style prefix for implementation-specific data. */
export const AUDIT_META_KEY = 'io.toolgate/audit_id';
