"""Receives N messages from a Nidus AMQP queue with qpid-proton, as IoTDA's samples connect; prints each body."""
import sys

from proton import SSLDomain
from proton.handlers import MessagingHandler
from proton.reactor import Container

url, user, password, queue, count = sys.argv[1:6]


class Receive(MessagingHandler):
    def __init__(self):
        super().__init__(auto_accept=False)
        self.left = int(count)
        self.timer = None

    def on_start(self, event):
        domain = SSLDomain(SSLDomain.MODE_CLIENT)
        domain.set_peer_authentication(SSLDomain.ANONYMOUS_PEER)  # the samples trust every server certificate
        conn = event.container.connect(
            url, user=user, password=password, virtual_host="default", ssl_domain=domain,
            allowed_mechs="PLAIN", sasl_enabled=True, reconnect=False,
        )
        event.container.create_receiver(conn, queue)
        self.timer = event.container.schedule(20, self)  # bounded: give up after 20 s

    def on_timer_task(self, event):
        sys.stderr.write("timed out with %d messages to go\n" % self.left)
        sys.exit(1)

    def on_message(self, event):
        print(event.message.body, flush=True)
        self.accept(event.delivery)
        self.left -= 1
        if self.left == 0:
            self.timer.cancel()
            event.connection.close()

    def on_transport_error(self, event):
        sys.stderr.write("transport error: %s\n" % event.transport.condition)
        sys.exit(2)


Container(Receive()).run()
