export { RecordIdGenerator, firstRecordIdAt, isRecordId } from './record-id';
export { defaultDeviceId, generateDeviceSecret, identifierPattern } from './device-identity';
