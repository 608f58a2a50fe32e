export { RecordIdGenerator, isRecordId, maxMarker } from './record-id';
export { defaultDeviceId, generateDeviceSecret, identifierPattern } from './device-identity';
