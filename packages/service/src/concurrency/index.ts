// @holdfast/service/concurrency: mutex, keyedMutex, semaphore, rwLock. Zero dependencies beyond
// holdfast's error dialect, so a worker or a script can use them without loading Fastify.
import { KeyedMutex } from './keyed-mutex.ts';
import { Mutex } from './mutex.ts';
import { RwLock } from './rw-lock.ts';
import { Semaphore } from './semaphore.ts';
import type { PrimitiveOptions } from './types.ts';

export { KeyedMutex, Mutex, RwLock, Semaphore };
export type { AcquireOptions, LockLogger, LockObserver, LockStats, PrimitiveOptions } from './types.ts';

export const mutex = (options?: PrimitiveOptions): Mutex => new Mutex(options);
export const keyedMutex = <K = string>(options?: PrimitiveOptions): KeyedMutex<K> => new KeyedMutex<K>(options);
export const semaphore = (permits: number, options?: PrimitiveOptions): Semaphore => new Semaphore(permits, options);
export const rwLock = (options?: PrimitiveOptions): RwLock => new RwLock(options);
