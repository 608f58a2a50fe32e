export { KafkaEventBus, type KafkaBusOptions } from './kafka-bus';
