export { MemoryEventBus, type MemoryBusOptions, defaultStartupMs, partitionFor } from './memory-bus';
