import { z } from 'zod';

/**
 * Ready-made input fields for the shapes the brief asks for (R2): a bounded `limit`, an opaque
 * `cursor`, and a `reason`. Using them keeps every toolset's schemas consistent and makes
 * `toolgate check` happy about unbounded lists.
 */
export const limitParam = (max = 50, fallback = Math.min(10, max)) =>
  z.number().int().min(1).max(max).default(fallback).describe(`How many items to return (1–${max}).`);

export const cursorParam = () =>
  z.string().min(1).max(512).optional().describe('Pass next_cursor from a previous result to get the next page.');

export const reasonParam = () =>
  z.string().trim().min(5).max(500).describe('Why this is needed; recorded in the audit log.');
