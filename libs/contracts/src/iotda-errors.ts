/**
 * The application API's error catalogue: each condition (spec 02 §3.13 symbol) and the HTTP status, `error_code`
 * and `error_msg` it answers with (spec 05 §1.6). Upstream IoTDA codes where public sources give one; otherwise a
 * code in the reserved `IOTDA.9xxxxx` range (spec 05 §1.6.3), assigned here once and never reused for another
 * meaning (STYLE rule 4: append new conditions, never renumber). docs/api/errors.md lists them.
 */
export interface IotdaErrorSpec {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const e = (status: number, code: string, message: string): IotdaErrorSpec => ({ status, code, message });

export const iotdaErrors = {
  // 400 — the request itself (spec 05 §1.6.2 upstream codes)
  INVALID_PARAMETER: e(400, 'IOTDA.000006', 'Invalid input data.'),
  MALFORMED_REQUEST: e(
    400,
    'IOTDA.000008',
    'Invalid input. Bad request, for more detail, refer to the error message.',
  ),
  INVALID_TIME_FORMAT: e(400, 'IOTDA.000009', 'Invalid input. Invalid time format.'),
  INVALID_TIME_RANGE: e(
    400,
    'IOTDA.000010',
    'Invalid input. The start time must be earlier than the end time.',
  ),
  LIMIT_OUT_OF_RANGE: e(
    400,
    'IOTDA.000017',
    "Invalid input. The specified parameter 'limit' is out of range.",
  ),
  AUTH_TYPE_NOT_SUPPORTED: e(
    400,
    'IOTDA.000006',
    'Invalid input data. The product does not support this authentication type.',
  ),
  AUTH_TYPE_MISMATCH: e(
    400,
    'IOTDA.000006',
    "Invalid input data. The operation does not apply to the device's authentication type.",
  ),
  INVALID_FINGERPRINT: e(
    400,
    'IOTDA.000006',
    'Invalid input data. A fingerprint is 40 or 64 hexadecimal characters.',
  ),
  FREEZE_NOT_SUPPORTED_FOR_SUBDEVICE: e(
    400,
    'IOTDA.000006',
    'Invalid input data. Only directly connected devices can be frozen.',
  ),
  SUBDEVICE_DEPTH_EXCEEDED: e(
    400,
    'IOTDA.000006',
    'Invalid input data. Sub-devices can be nested at most two levels deep.',
  ),
  SHADOW_INVALID_KEY: e(
    400,
    'IOTDA.000006',
    "Invalid input data. Shadow keys must not contain '.', '$' or NUL.",
  ),
  SHADOW_UNKNOWN_SERVICE: e(
    400,
    'IOTDA.000006',
    'Invalid input data. The service is not in the product model.',
  ),
  SHADOW_UNKNOWN_PROPERTY: e(400, 'IOTDA.000006', 'Invalid input data. The property is not in the service.'),
  SHADOW_PROPERTY_NOT_WRITABLE: e(400, 'IOTDA.000006', 'Invalid input data. The property is not writable.'),
  SHADOW_VALUE_INVALID: e(400, 'IOTDA.000006', 'Invalid input data. The value does not fit the property.'),
  SHADOW_TOO_LARGE: e(400, 'IOTDA.000006', 'Invalid input data. A service shadow is at most 64 KiB.'),
  RULE_SQL_INVALID: e(400, 'IOTDA.000006', 'Invalid input data. The rule SQL does not compile.'),
  PUSH_CERTIFICATE_INVALID: e(
    400,
    'IOTDA.000006',
    'Invalid input data. The content is not a PEM or DER X.509 certificate.',
  ),
  // 401 / 403 — who is asking (spec 05 §1.6.3)
  UNAUTHENTICATED: e(401, 'APIGW.0301', 'Incorrect IAM authentication information.'),
  INVALID_TOKEN: e(403, 'IOTDA.000004', 'Invalid access token.'),
  FORBIDDEN: e(403, 'IOTDA.900403', 'The credentials do not allow this operation on this project.'),
  RESOURCE_SPACE_QUOTA_EXCEEDED: e(403, 'IOTDA.903001', 'The resource space quota is exhausted.'),
  COMMAND_QUEUE_FULL: e(403, 'IOTDA.903002', 'The device already has 20 cached commands.'),
  AMQP_QUEUE_QUOTA_EXCEEDED: e(403, 'IOTDA.903003', 'The project already has 100 AMQP queues.'),
  PUSH_CERTIFICATE_QUOTA_EXCEEDED: e(403, 'IOTDA.903004', 'The project already has 100 push certificates.'),
  // 404 — what is asked for
  DEVICE_NOT_FOUND: e(404, 'IOTDA.014000', 'The device does not exist.'),
  PRODUCT_NOT_FOUND: e(404, 'IOTDA.904001', 'The product does not exist.'),
  RESOURCE_SPACE_NOT_FOUND: e(404, 'IOTDA.904002', 'The resource space does not exist.'),
  GATEWAY_NOT_FOUND: e(404, 'IOTDA.904003', 'The gateway device does not exist.'),
  ROUTE_NOT_FOUND: e(404, 'IOTDA.904000', 'No such API operation.'),
  MESSAGE_NOT_FOUND: e(404, 'IOTDA.904004', 'The message does not exist.'),
  COMMAND_NOT_FOUND: e(404, 'IOTDA.904005', 'The command does not exist.'),
  RULE_NOT_FOUND: e(404, 'IOTDA.904006', 'The routing rule does not exist.'),
  RULE_ACTION_NOT_FOUND: e(404, 'IOTDA.904007', 'The rule action does not exist.'),
  AMQP_QUEUE_NOT_FOUND: e(404, 'IOTDA.904008', 'The AMQP queue does not exist.'),
  PUSH_CERTIFICATE_NOT_FOUND: e(404, 'IOTDA.904009', 'The push certificate does not exist.'),
  // 408 / 409 — state
  REQUEST_TIMEOUT: e(408, 'IOTDA.908001', 'The device did not answer in time.'),
  DEVICE_OFFLINE: e(409, 'IOTDA.014016', 'The device is not online.'),
  TOPIC_NOT_SUBSCRIBED: e(409, 'IOTDA.014112', 'The device has not subscribed to the topic.'),
  PRODUCT_NAME_EXISTS: e(409, 'IOTDA.909001', 'A product with this name already exists.'),
  PRODUCT_ID_EXISTS: e(409, 'IOTDA.909002', 'A product with this ID already exists.'),
  PRODUCT_HAS_DEVICES: e(409, 'IOTDA.909003', 'The product still has devices.'),
  DEVICE_ID_EXISTS: e(409, 'IOTDA.909004', 'A device with this ID already exists.'),
  NODE_ID_EXISTS: e(409, 'IOTDA.909005', 'A device with this node ID already exists in the product.'),
  DEVICE_HAS_CHILDREN: e(409, 'IOTDA.909006', 'The gateway still has sub-devices.'),
  DEVICE_ALREADY_FROZEN: e(409, 'IOTDA.909007', 'The device is already frozen.'),
  DEVICE_NOT_FROZEN: e(409, 'IOTDA.909008', 'The device is not frozen.'),
  RESOURCE_SPACE_NAME_EXISTS: e(409, 'IOTDA.909009', 'A resource space with this name already exists.'),
  RESOURCE_SPACE_NOT_EMPTY: e(409, 'IOTDA.909010', 'The resource space still has products or devices.'),
  SHADOW_VERSION_CONFLICT: e(409, 'IOTDA.909011', 'The shadow changed since the version given.'),
  MESSAGE_ID_EXISTS: e(409, 'IOTDA.909012', 'The device already has a message with this ID.'),
  AMQP_QUEUE_NAME_EXISTS: e(409, 'IOTDA.909013', 'An AMQP queue with this name already exists.'),
  AMQP_QUEUE_IN_USE: e(409, 'IOTDA.909014', 'A rule action forwards to the AMQP queue.'),
  PUSH_CERTIFICATE_IN_USE: e(409, 'IOTDA.909015', 'A rule action names the push certificate.'),
  // 429 / 5xx
  RATE_LIMITED: e(429, 'IOTDA.021101', 'Request reached the maximum rate limit.'),
  TENANT_RATE_LIMITED: e(429, 'IOTDA.021102', 'Request reached the upper limit of the tenant.'),
  INTERNAL: e(500, 'IOTDA.900500', 'Internal error.'),
  NOT_IMPLEMENTED: e(501, 'IOTDA.900501', 'Operation not supported.'),
  SERVICE_UNAVAILABLE: e(503, 'IOTDA.900503', 'The service behind this operation is unavailable.'),
} as const satisfies Record<string, IotdaErrorSpec>;

export type IotdaErrorSymbol = keyof typeof iotdaErrors;

/** The error body every application API rejection carries (spec 05 §1.6.1). */
export interface IotdaErrorBody {
  readonly error_code: string;
  readonly error_msg: string;
}
