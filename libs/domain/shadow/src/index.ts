export {
  type DesiredOutcome,
  type DesiredUpdate,
  type ShadowEntry,
  type ShadowModel,
  type ShadowProperty,
  type ShadowRefusalReason,
  type ShadowSection,
  deepEqual,
  deltaOf,
  maxShadowEntryBytes,
  reportProperties,
  updateDesired,
} from './shadow-document';
