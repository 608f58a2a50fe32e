"""An IoTDA device on paho-mqtt (Debian's python3-paho-mqtt): connects with a computed password, never subscribes,
asks for time sync and sends an unknown system event on events/up, and prints what arrives on events/down as JSON
lines. Usage: paho_device.py host port device_id secret"""
import hashlib
import hmac
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt

host, port, device_id, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
timestamp = time.strftime("%Y%m%d%H", time.gmtime())
password = hmac.new(timestamp.encode(), secret.encode(), hashlib.sha256).hexdigest()

client = mqtt.Client(client_id=f"{device_id}_0_1_{timestamp}", protocol=mqtt.MQTTv311)
client.username_pw_set(device_id, password)
received = []
done = threading.Event()


def on_message(_client, _userdata, message):
    received.append({"topic": message.topic, "payload": json.loads(message.payload)})
    if len(received) == 2:
        done.set()


client.on_message = on_message
client.connect(host, port, keepalive=60)
client.loop_start()
up = f"$oc/devices/{device_id}/sys/events/up"
sent = int(time.time() * 1000)
client.publish(up, json.dumps({"services": [
    {"service_id": "$time_sync", "event_type": "time_sync_request", "paras": {"device_send_time": sent}},
    {"service_id": "$no_such_service", "event_type": "whatever", "paras": {}},
]}), qos=1).wait_for_publish()
done.wait(10)
client.disconnect()
client.loop_stop()
for r in received:
    print(json.dumps(r))
