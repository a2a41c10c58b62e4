import type { DraftFilter, DraftPosition, DraftRecord, DraftStatus } from '../store/types.js';
import type { ActionService } from './service.js';

/**
 * Paging for the approvers' draft lists (`GET /api/drafts`, the console's inbox). Outside probe,
 * 2026-12-07: the lists showed the newest 200 drafts and nothing more, so one token's 1,000
 * drafts (made in 4.7 s) pushed another user's earlier draft out of them for good; it could be
 * fetched by id, but no approver would ever see it. Every draft is now reachable page by page,
 * and a page is bounded.
 */

/** The largest page either list serves (and the REST API's default, as before paging). */
export const DRAFT_PAGE_MAX = 200;

export type DraftOrder = NonNullable<DraftFilter['order']>;

export interface DraftPageRequest {
  readonly status?: DraftStatus;
  readonly order: DraftOrder;
  readonly limit: number;
  readonly after?: DraftPosition;
}

export interface DraftPage {
  readonly drafts: DraftRecord[];
  /** Hand back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** A query value that cannot be read, as the REST API answers it (400 invalid_input). */
export interface DraftPageProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * The cursor: base64url JSON of [order, createdAt, id] of the last draft shown. Not signed: it
 * only says where to continue, and every page is still read within the approver's own tenant,
 * so a made-up cursor shows nothing a first page would not.
 */
export function encodeDraftCursor(order: DraftOrder, last: DraftPosition): string {
  return Buffer.from(JSON.stringify([order, last.createdAt, last.id])).toString('base64url');
}

export function decodeDraftCursor(cursor: string): { order: DraftOrder; after: DraftPosition } | null {
  if (cursor.length > 400 || !/^[\w-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [order, createdAt, id] = value as unknown[];
    if ((order !== 'newest' && order !== 'oldest') || typeof createdAt !== 'string' || typeof id !== 'string')
      return null;
    return { order, after: { createdAt, id } };
  } catch {
    return null;
  }
}

/**
 * Reads `status`, `order` (`newest` | `oldest`), `limit` (1–200) and `cursor` from a query. A
 * cursor carries its order, so the pages after the first need only `cursor` (and the same
 * `status`); an `order` that contradicts it is refused rather than silently skipping drafts.
 */
export function draftPageRequest(
  query: Record<string, string | undefined>,
  defaults: { readonly order: DraftOrder; readonly limit: number },
): DraftPageRequest | DraftPageProblem {
  const { status, order, limit, cursor } = query;
  if (order !== undefined && order !== 'newest' && order !== 'oldest')
    return { field: 'order', message: 'order must be newest or oldest.' };
  let size = defaults.limit;
  if (limit !== undefined) {
    size = /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
    if (!(size >= 1 && size <= DRAFT_PAGE_MAX))
      return { field: 'limit', message: `limit must be a whole number from 1 to ${DRAFT_PAGE_MAX}.` };
  }
  const base = { ...(status ? { status: status as DraftStatus } : {}), limit: size };
  if (cursor === undefined || cursor === '') return { ...base, order: order ?? defaults.order };
  const position = decodeDraftCursor(cursor);
  if (!position)
    return { field: 'cursor', message: 'cursor is not valid: pass back next_cursor exactly as it was returned.' };
  if (order !== undefined && order !== position.order)
    return { field: 'order', message: `this cursor pages ${position.order} first; leave order out or start again.` };
  return { ...base, order: position.order, after: position.after };
}

/**
 * One page of a tenant's drafts (every tenant's for an operator's CLI: `tenant` undefined), read
 * one past the page to know whether another follows.
 */
export async function draftPageOf(
  actions: Pick<ActionService, 'list'>,
  tenant: string | undefined,
  request: DraftPageRequest,
  extra: Pick<DraftFilter, 'expiresAfter'> = {},
): Promise<DraftPage> {
  const rows = await actions.list({
    ...(tenant === undefined ? {} : { tenant }),
    ...(request.status ? { status: request.status } : {}),
    order: request.order,
    ...(request.after ? { after: request.after } : {}),
    ...extra,
    limit: request.limit + 1,
  });
  const drafts = rows.slice(0, request.limit);
  const last = drafts.at(-1);
  return { drafts, nextCursor: rows.length > request.limit && last ? encodeDraftCursor(request.order, last) : null };
}
