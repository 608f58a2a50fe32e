import { type IotdaErrorBody, type IotdaErrorSymbol, iotdaErrors } from '@nidus/contracts';
import { errorMessage } from '@nidus/ports';

/**
 * A rejection of the application API, named by its catalogue symbol (libs/contracts iotda-errors). Domain and
 * service code throw it; IotdaExceptionFilter renders it as IoTDA's error body. `detail` says what exactly was
 * wrong (the field, the id) and is appended to the catalogue message.
 */
export class IotdaApiError extends Error {
  constructor(
    readonly symbol: IotdaErrorSymbol,
    readonly detail?: string,
  ) {
    super(detail ? `${iotdaErrors[symbol].message} ${detail}` : iotdaErrors[symbol].message);
    this.name = 'IotdaApiError';
  }

  get status(): number {
    return iotdaErrors[this.symbol].status;
  }

  body(): IotdaErrorBody {
    return { error_code: iotdaErrors[this.symbol].code, error_msg: this.message };
  }
}

/**
 * For `.catch(unavailable)`: a port or another service could not be reached — 503, not a 500 (the request itself was
 * fine).
 */
export function unavailable(error: unknown): never {
  throw new IotdaApiError('SERVICE_UNAVAILABLE', errorMessage(error));
}
