import { type ModelIndex, type ServiceIndex, checkFields } from '@nidus/gateway-kit';
import { IotdaApiError } from '@nidus/platform-iotda-http';
import type { CommandRequest, PropertiesSet } from './sync-calls.dto';

// What the product model says about a request before it goes to a device (spec 05 §3.5.1, §3.6): a service, command
// or property the model does not define, a value it does not allow, or a property that is not writable is refused
// with 400 IOTDA.000006 naming it. Without `service_id` a command's `paras` are free-form (spec 01 §4.9).

function serviceOf(model: ModelIndex, serviceId: string): ServiceIndex {
  const service = model.services.get(serviceId);
  if (!service) throw invalid(`service_id ${serviceId} is not in the product model.`);
  return service;
}

function invalid(detail: string): IotdaApiError {
  return new IotdaApiError('INVALID_PARAMETER', detail);
}

/** The command's paras as the device receives them (numeric text of numeric paras becomes a number). */
export function checkCommand(model: ModelIndex, command: CommandRequest): Record<string, unknown> {
  if (command.service_id === undefined) {
    if (command.command_name !== undefined) throw invalid('command_name needs a service_id.');
    return command.paras;
  }
  const service = serviceOf(model, command.service_id);
  if (command.command_name === undefined) return command.paras;
  const paras = service.commands.get(command.command_name);
  if (!paras)
    throw invalid(`command_name ${command.command_name} is not a command of service ${command.service_id}.`);
  const checked = checkFields(paras, command.paras);
  if (!checked.ok) throw invalid(`paras: ${checked.reason}.`);
  for (const [name, definition] of paras)
    if (definition.required && !(name in checked.values)) throw invalid(`paras: ${name} is required.`);
  return checked.values;
}

/** The services to set, each property defined, writable (`W` in its method) and valid. */
export function checkPropertiesSet(model: ModelIndex, request: PropertiesSet): PropertiesSet['services'] {
  return request.services.map(({ service_id, properties }) => {
    const service = serviceOf(model, service_id);
    for (const name of Object.keys(properties)) {
      const definition = service.properties.get(name);
      if (definition && !definition.method.includes('W'))
        throw invalid(`property ${name} of service ${service_id} is not writable.`);
    }
    const checked = checkFields(service.properties, properties);
    if (!checked.ok) throw invalid(`service ${service_id}: ${checked.reason}.`);
    return { service_id, properties: checked.values };
  });
}

/** A property get names a service of the model. */
export function checkPropertiesGet(model: ModelIndex, serviceId: string): void {
  serviceOf(model, serviceId);
}
