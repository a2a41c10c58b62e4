/**
 * Tool names are task-shaped: a verb, then the domain outcome (R2). `get_customer_billing_summary`
 * tells the model what it gets; `billing` or `callApi` does not.
 */
const VERB_NOUN = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;
/** MCP and the Messages API both accept at most 64 characters of [a-zA-Z0-9_-]. */
const MAX_NAME = 64;

export function assertToolName(name: string): void {
  if (name.length > MAX_NAME) throw new TypeError(`Tool name "${name}" is longer than ${MAX_NAME} characters.`);
  if (!VERB_NOUN.test(name)) {
    throw new TypeError(
      `Tool name "${name}" must be snake_case verb_noun, like "get_customer_billing_summary" or "create_refund_draft".`,
    );
  }
}
