import { childPath, sortChanges, type Change } from './change.js';
import type { ContractSnapshot, ToolContract } from './snapshot-format.js';
import { diffTool } from './tool-diff.js';

/**
 * Compares the committed snapshot (`from`) with the current one (`to`). Pure and framework-free:
 * two snapshot objects in, every change out, breaking first, in a stable order.
 */
export function diffContracts(from: ContractSnapshot, to: ContractSnapshot): Change[] {
  const changes: Change[] = [];
  const names = [...new Set([...Object.keys(from.tools), ...Object.keys(to.tools)])].sort();
  for (const name of names) {
    const [a, b] = [own(from.tools, name), own(to.tools, name)];
    const path = childPath('tools', name);
    if (a && !b) {
      const reason = `tool "${name}" removed: clients that call it get an unknown-tool error`;
      changes.push({ severity: 'breaking', tool: name, path, kind: 'tool-removed', reason });
    } else if (!a && b) {
      // A new tool widens what callers can do, and its guards were never reviewed in a snapshot:
      // "safe" let an auto-approved write reaching a new host through CI (outside probe).
      changes.push({ severity: 'breaking', tool: name, path, kind: 'tool-added', reason: addedTool(name, b) });
    } else if (a && b) {
      changes.push(...diffTool(name, path, a, b));
    }
  }
  changes.push(...diffToolsets(from, to));
  // The same edit can surface twice (a description inherited by both halves of `string | null`).
  const seen = new Set<string>();
  return sortChanges(changes).filter((c) => {
    const key = JSON.stringify([c.severity, c.tool, c.path, c.kind, c.reason]);
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

/**
 * What each client is offered. A client not listed gets the `*` toolset (or nothing), so the
 * effective set is compared for every client either snapshot names. Tools added or removed
 * outright are reported once, as tools, not again per client.
 */
function diffToolsets(from: ContractSnapshot, to: ContractSnapshot): Change[] {
  const changes: Change[] = [];
  const offered = (s: ContractSnapshot, client: string) => own(s.toolsets, client) ?? own(s.toolsets, '*') ?? [];
  const clients = [...new Set(['*', ...Object.keys(from.toolsets), ...Object.keys(to.toolsets)])].sort();
  for (const client of clients) {
    const [a, b] = [offered(from, client), offered(to, client)];
    const who = client === '*' ? 'clients without their own toolset' : `client "${client}"`;
    const path = childPath('toolsets', client);
    for (const tool of a.filter((t) => !b.includes(t) && own(to.tools, t))) {
      const reason = `tool "${tool}" no longer offered to ${who}: its calls to it fail`;
      changes.push({ severity: 'breaking', tool, path, kind: 'toolset-tool-removed', reason });
    }
    // More tools for a client is more it can do: a person confirms it, as for a loosened guard.
    for (const tool of b.filter((t) => !a.includes(t) && own(from.tools, t))) {
      changes.push({
        severity: 'breaking',
        tool,
        path,
        kind: 'toolset-tool-added',
        reason: `tool "${tool}" now offered to ${who}: it can call it`,
      });
    }
  }
  return changes;
}

/** What a new tool lets its callers do, in one line a reviewer can check. */
function addedTool(name: string, tool: ToolContract): string {
  const g = tool.guards;
  const facts = [
    tool.kind === 'action' ? 'writes (an action)' : 'reads',
    tool.scopes.length ? `scopes ${tool.scopes.join(', ')}` : 'no scope required',
    ...(g?.credentials.length ? [`credentials ${g.credentials.join(', ')}`] : []),
    ...(g?.egress.length ? [`may reach ${g.egress.join(', ')}`] : []),
    ...(g?.allowPii.length ? [`PII unmasked in ${g.allowPii.join(', ')}`] : []),
    ...(g?.approval?.autoApprove ? ['approved automatically'] : []),
    ...(g?.approval?.allowSelfApproval ? ['self-approval allowed'] : []),
  ];
  return `new tool "${name}": ${facts.join('; ')}`;
}

const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;
