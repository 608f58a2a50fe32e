export { MemoryEventBus, type MemoryBusOptions, partitionFor } from './memory-bus';
