import { contractSnapshotSchema, FORMAT_VERSION, type ContractSnapshot } from './snapshot-format.js';

/**
 * Parses a committed snapshot's text. Returns the snapshot, or a sentence saying what is wrong
 * with it (the caller adds the file name and how to regenerate it).
 */
export function parseSnapshot(text: string): { snapshot: ContractSnapshot } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `is not valid JSON (${(error as Error).message})` };
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > FORMAT_VERSION) {
    return {
      problem: `has formatVersion ${version}, written by a newer toolgate; this one reads version ${FORMAT_VERSION}`,
    };
  }
  const parsed = contractSnapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the top level';
    return { problem: `is not a toolgate contract snapshot (${where}: ${issue?.message ?? 'invalid'})` };
  }
  return { snapshot: parsed.data };
}
