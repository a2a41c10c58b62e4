import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HangUp, HangUpCallRequest } from '../../src/server/fast-path/hang-up.js';

// The fast path's call request (issue #15). Its signal is the caller hanging up, made only when
// something reads it, through a getter on the class: a getter defined per request in an object
// literal kept every call's response, request and body alive through young-generation
// collections (docs/decisions.md "Speed"). The end-to-end behaviour is in hang-up.test.ts.

/** A stand-in for the response: HangUp only listens for 'close' and reads writableFinished. */
function fakeResponse(): ServerResponse & EventEmitter {
  return Object.assign(new EventEmitter(), { writableFinished: false }) as unknown as ServerResponse & EventEmitter;
}

const fields = {
  tool: 'get_customer_billing_summary',
  args: { customer_id: 'cus_1' },
  principal: { actorId: 'a', tenant: 't', roles: [], scopes: [] },
  client: 'bench',
  surface: 'mcp_http',
  requestId: 'req_1',
  callId: '7',
} as const;

describe('HangUpCallRequest', () => {
  it('carries the call fields as plain data', () => {
    const request = new HangUpCallRequest(fields, new HangUp(fakeResponse()));
    expect({ ...request }).toEqual(fields);
  });

  it('keeps its signal getter on the prototype, never as an own property of each request', () => {
    const request = new HangUpCallRequest(fields, new HangUp(fakeResponse()));
    expect(Object.getOwnPropertyDescriptor(request, 'signal')).toBeUndefined();
    expect(typeof Object.getOwnPropertyDescriptor(HangUpCallRequest.prototype, 'signal')?.get).toBe('function');
  });

  it('gives a signal that aborts when the client hangs up mid-call', () => {
    const res = fakeResponse();
    const request = new HangUpCallRequest(fields, new HangUp(res));
    const signal = request.signal;
    expect(signal.aborted).toBe(false);
    res.emit('close');
    expect(signal.aborted).toBe(true);
    expect(request.signal).toBe(signal);
  });

  it('gives an already aborted signal when first read after the client went away', () => {
    const res = fakeResponse();
    const request = new HangUpCallRequest(fields, new HangUp(res));
    res.emit('close');
    expect(request.signal.aborted).toBe(true);
  });

  it('does not abort for the close that follows a finished answer, nor after dispose', () => {
    const finished = fakeResponse();
    const answered = new HangUpCallRequest(fields, new HangUp(finished));
    const signal = answered.signal;
    (finished as { writableFinished: boolean }).writableFinished = true;
    finished.emit('close');
    expect(signal.aborted).toBe(false);

    const res = fakeResponse();
    const hangUp = new HangUp(res);
    const disposed = new HangUpCallRequest(fields, hangUp);
    hangUp.dispose();
    res.emit('close');
    expect(disposed.signal.aborted).toBe(false);
  });
});
