// The shared test Redis lives in @holdfast/testkit (guard's cluster tests use it too).
export { startRedis, type TestRedis } from '@holdfast/testkit';
