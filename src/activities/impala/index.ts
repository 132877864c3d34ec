// The Impala side of the autoscaler: the real LoadReader and the pieces the simulator and `probe` share.
export {
  ImpalaLoadReader,
  DEFAULT_TIMEOUT_MS,
  type ImpalaLoadReaderOptions,
  type ReadTarget,
  type DetailedResult,
  type CoordinatorStatus,
} from './load-reader';
export type { GroupView, LoadView, PoolView } from './combine';
export { formatBytes, parseBytes } from './pretty-bytes';
