export { RecordIdGenerator, firstRecordIdAt, isRecordId, recordIdRange } from './record-id';
export { defaultDeviceId, generateDeviceSecret, identifierPattern } from './device-identity';
