import { BYTES_PER_TOKEN } from '../util/size.js';

/** A tool's result budget: the tighter of its byte and token limits, in each unit. */
export function budgetBytes(limits: { readonly maxResultBytes: number; readonly maxResultTokens: number }): number {
  return Math.min(limits.maxResultBytes, limits.maxResultTokens * BYTES_PER_TOKEN);
}

export function budgetTokens(limits: { readonly maxResultBytes: number; readonly maxResultTokens: number }): number {
  return Math.ceil(budgetBytes(limits) / BYTES_PER_TOKEN);
}
