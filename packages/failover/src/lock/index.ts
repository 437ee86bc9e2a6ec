// @holdfast/failover/lock: a distributed lock on etcd with fencing tokens. The service runtime
// takes the provider as an option (createService({ locks: etcdLockProvider(...) })), so
// @holdfast/service does not depend on this package.
export { etcdLockProvider, type EtcdLockProviderOptions } from './etcd-lock.ts';
export type { DistributedLock, DistributedLockOptions, LockProvider } from './types.ts';
export { checkLockName, checkTtl } from './validate.ts';
