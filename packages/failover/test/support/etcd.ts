// A real etcd for integration tests: the testkit's (shared with the service's lock tests).
export { startEtcd, startEtcdCluster, type EtcdServer } from '@holdfast/testkit';
