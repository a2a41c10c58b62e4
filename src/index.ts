/**
 * Toolgate's public API. Everything not exported here is internal and may change.
 */
export { defineTool } from './contract/define-tool.js';
export { limitParam, cursorParam, reasonParam } from './contract/params.js';
export type { CursorCodec } from './contract/cursor.js';
export type {
  ActionContext,
  AnyTool,
  ApprovalPolicy,
  Risk,
  RollbackSpec,
  TenantRule,
  ToolAnnotations,
  ToolContext,
  ToolDefinition,
  ToolLimits,
  ToolSpec,
  UntrustedFieldSpec,
  Verification,
} from './contract/types.js';
export type { Principal, Surface } from './auth/principal.js';
export { envCredentials, staticCredentials, noCredentials, type CredentialProvider } from './credentials/provider.js';
export { createGateway, type Gateway } from './gateway/create-gateway.js';
export type { CallRequest, CallResult, CallSuccess, CallFailure } from './pipeline/types.js';
export type { Cut } from './budget/fit-to-budget.js';
export type { GatewayOptions, ToolDescriptor } from './gateway/types.js';
export { DEFAULT_LIMITS } from './contract/default-limits.js';
export { ERROR_CODES, type ErrorCode } from './errors/codes.js';
export {
  ToolgateError,
  StoreUnavailableError,
  notFound,
  conflict,
  upstreamUnavailable,
  invalidInput,
  type PublicError,
} from './errors/toolgate-error.js';
export type { Store, AuditLog, RateLimitStore, IdempotencyStore, DraftStore } from './store/types.js';
export type { AuditEvent, AuditEventInput, AuditFilter, VerifyReport } from './audit/event.js';
export { createLogger } from './log/logger.js';
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite/index.js';
export { openPostgresStore, type PostgresStoreOptions } from './store/postgres/index.js';
export { openStore } from './store/open-store.js';
export { messagesTools } from './surfaces/direct/tool-definitions.js';
export { toolResultFor, type DirectCaller } from './surfaces/direct/tool-result.js';
export {
  runToolLoop,
  toolLoopProgressOf,
  type ToolLoopProgress,
  type ToolLoopOptions,
  type ToolLoopResult,
  type ToolCallRecord,
} from './surfaces/direct/run-tool-loop.js';
export { UNTRUSTED_CONTENT_NOTE } from './guard/wrap.js';
export { defineConfig, type ToolgateConfig } from './config/define-config.js';
export { startServer, type RunningServer } from './server/start-server.js';
export { defineAction } from './actions/define-action.js';
export { actionStatusTool } from './actions/status-tool.js';
export type { ActionService } from './actions/service.js';
export type { ActionSpec } from './actions/types.js';
export type { EgressFetch } from './contract/types.js';
export type { EgressConfig } from './egress/egress-config.js';
export type { AuthConfig } from './auth/auth-config.js';
export type { StaticToken } from './auth/static-tokens.js';
export { snapshotOf, snapshotText } from './contract-diff/snapshot.js';
export { diffContracts } from './contract-diff/diff.js';
export type { Change, Severity } from './contract-diff/change.js';
export type { ContractSnapshot } from './contract-diff/snapshot-format.js';
