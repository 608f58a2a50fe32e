export {
  type AdminOverrides,
  ConfigError,
  type Env,
  type KafkaConfig,
  type LoadOptions,
  type LogLevel,
  type MqttConfig,
  type AmqpConfig,
  type PlatformConfig,
  httpPortKey,
  serviceUrlKey,
  loadConfig,
  logLevels,
} from './platform.config';
export { type ServiceName, serviceNames } from './service-catalogue';
