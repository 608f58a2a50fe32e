export {
  type ClientId,
  devicePassword,
  maxConnectFieldLength,
  parseClientId,
  passwordMatches,
  timestampWithinWindow,
} from './client-id';
export {
  type UplinkKind,
  type UplinkTopic,
  downlinkTopics,
  filterMatches,
  implicitSubscriptions,
  isDownlinkTopic,
  maySubscribe,
  parseUplinkTopic,
  splitDeviceTopic,
} from './device-topics';
