/** One line of `toolgate doctor`: what was checked, how it went, and what to do about it. */
export interface DoctorCheck {
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail';
  readonly detail: string;
}
