/** The bearer token the bench's toolgate server accepts (a fixed, non-secret test value). */
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';
