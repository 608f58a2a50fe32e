"""An application built on Huawei's official IoTDA SDK (huaweicloudsdkiotda), pointed at Nidus.

Unmodified SDK calls; only the endpoint, project id and credentials are Nidus's. Prints one JSON object with what
it saw, for test/api/registry-api.e2e.spec.ts to check.

usage: iotda_sdk_walkthrough.py ENDPOINT PROJECT_ID AK SK basic|derived
"""
import json
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials, DerivedCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkiotda.v5 import (
    AddDevice, AddDeviceRequest, AddProduct, CreateProductRequest, DeleteDeviceRequest, DeleteProductRequest,
    IoTDAClient, ListDevicesRequest, ResetDeviceSecret, ResetDeviceSecretRequest, ServiceCapability,
    ServiceProperty, ShowDeviceRequest, ShowProductRequest,
)

endpoint, project_id, ak, sk, scheme = sys.argv[1:6]
schemes = []


def remember_scheme(**kwargs):
    request = kwargs.get("request")
    auth = (request.header_params or {}).get("Authorization", "") if request is not None else ""
    schemes.append(auth.split(" ", 1)[0])


credentials = BasicCredentials(ak, sk, project_id)
builder = IoTDAClient.new_builder().with_http_handler(HttpHandler().add_request_handler(remember_scheme))
if scheme == "derived":
    # What the samples for standard/enterprise instances do: V11-HMAC-SHA256 with a region id (spec 05 §5.1.3).
    credentials = credentials.with_derived_predicate(DerivedCredentials.get_default_derived_predicate())
    client = builder.with_credentials(credentials).with_region(Region("local-1", endpoint)).build()
else:
    client = builder.with_credentials(credentials).with_endpoint(endpoint).build()

seen = {}
product = client.create_product(CreateProductRequest(body=AddProduct(
    name="SdkMeter-" + scheme,
    device_type="WaterMeter",
    protocol_type="MQTT",
    data_format="json",
    service_capabilities=[ServiceCapability(
        service_id="WaterMeter", service_type="WaterMeter", option="Mandatory",
        properties=[ServiceProperty(property_name="temperature", data_type="decimal", min="-40", max="125",
                                    step=0.1, unit="Cel", method="RE")],
    )],
)))
seen["product_id"] = product.product_id
seen["model_min"] = product.service_capabilities[0].properties[0].min
seen["product_shown"] = client.show_product(ShowProductRequest(product_id=product.product_id)).name

device = client.add_device(AddDeviceRequest(body=AddDevice(node_id="sdk-node-1", product_id=product.product_id,
                                                           device_name="sdk-device")))
seen["device_id"] = device.device_id
seen["created_secret"] = device.auth_info.secret
seen["status"] = device.status

listed = client.list_devices(ListDevicesRequest(product_id=product.product_id, limit=10))
seen["listed"] = [d.device_id for d in listed.devices]
seen["listed_count"] = listed.page.count

shown = client.show_device(ShowDeviceRequest(device_id=device.device_id))
seen["shown_node_id"] = shown.node_id
seen["shown_secret"] = shown.auth_info.secret

reset = client.reset_device_secret(ResetDeviceSecretRequest(device_id=device.device_id, action_id="resetSecret",
                                                            body=ResetDeviceSecret(secret="NewSecret-123")))
seen["reset_secret"] = reset.secret

try:
    client.delete_product(DeleteProductRequest(product_id=product.product_id))
    seen["delete_product_with_devices"] = "accepted"
except exceptions.ClientRequestException as e:
    seen["delete_product_with_devices"] = {"status": e.status_code, "error_code": e.error_code,
                                           "request_id": e.request_id}

client.delete_device(DeleteDeviceRequest(device_id=device.device_id))
try:
    client.show_device(ShowDeviceRequest(device_id=device.device_id))
    seen["after_delete"] = "still there"
except exceptions.ClientRequestException as e:
    seen["after_delete"] = {"status": e.status_code, "error_code": e.error_code, "request_id": e.request_id}
client.delete_product(DeleteProductRequest(product_id=product.product_id))
seen["schemes"] = sorted(set(schemes))
print(json.dumps(seen))
