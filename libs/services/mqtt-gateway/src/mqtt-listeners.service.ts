import { type Server as HttpServer, createServer as createHttpServer } from 'node:http';
import { type Server, type Socket, createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime, tlsMaterial } from '@nidus/platform-runtime';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MQTT_GATEWAY_PARTS, type MqttGatewayParts } from './mqtt-gateway.parts';
import { MqttBrokerService } from './mqtt-broker.service';

/**
 * Connections the kernel may hold for accepting (capped by net.core.somaxconn). Node's 511 overflows when thousands of
 * devices log in at once while the event loop is busy: the dropped SYNs are retried after 1, 3, 7… s.
 */
const backlog = 4096;

/**
 * Nagle's algorithm off, as node:http does for its connections. With it on, a PUBACK written while the previous one
 * was not yet acknowledged by the device's TCP waited for that acknowledgement, which rides on the device's next
 * packet: at 9 000 publishes a second from 200 devices (one each 22 ms), PUBACK p50 was 21 ms instead of 5.7 ms.
 */
const noDelay = true;

/**
 * The device listeners (spec 01 §2.6.7; ARCHITECTURE §10): MQTT on 1883, MQTTS (TLS 1.2+) on 8883, MQTT over
 * WebSocket on 8083. They open once the service is up and close first on shutdown; then every device connection is
 * closed (each reported offline) before the bus goes away.
 */
@Injectable()
export class MqttListenersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly servers: (Server | HttpServer)[] = [];
  private wss: WebSocketServer | undefined;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(MQTT_GATEWAY_PARTS) private readonly parts: MqttGatewayParts,
    private readonly broker: MqttBrokerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { mqtt, dataDir } = this.runtime.config;
    const urls: string[] = [];
    if (mqtt.port > 0) {
      const server = createServer({ noDelay }, (socket) => this.broker.handle(socket, 'tcp'));
      urls.push(`mqtt://${await this.listen(server, mqtt.port)}`);
    }
    if (mqtt.tlsPort > 0) {
      const tls = tlsMaterial({
        dataDir,
        ...(mqtt.tlsCertFile ? { certFile: mqtt.tlsCertFile, keyFile: mqtt.tlsKeyFile! } : {}),
      });
      const server = createTlsServer(
        { cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', noDelay },
        (socket) => this.broker.handle(socket, 'tls'),
      );
      // a source blocked for its failed logins costs no TLS handshake: its connections close as they arrive
      server.on('connection', (socket: Socket) => {
        if (this.broker.refusesSource(socket.remoteAddress)) socket.destroy();
      });
      server.on('tlsClientError', (error) =>
        this.runtime.logger.debug({ err: error }, 'TLS handshake failed'),
      );
      urls.push(
        `mqtts://${await this.listen(server, mqtt.tlsPort)}${tls.caFile ? ` (development CA: ${tls.caFile})` : ''}`,
      );
    }
    if (mqtt.wsPort > 0) {
      const http = createHttpServer((_req, res) => res.writeHead(426, { upgrade: 'websocket' }).end());
      this.wss = new WebSocketServer({
        server: http,
        maxPayload: mqtt.maxPacketBytes + 8,
        handleProtocols: (protocols) =>
          protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false,
      });
      this.wss.on('connection', (ws, req) => this.broker.handle(createWebSocketStream(ws), 'ws', req));
      urls.push(`ws://${await this.listen(http, mqtt.wsPort)}/mqtt`);
    }
    this.runtime.logger.info({ urls }, urls.length ? 'MQTT listeners open' : 'MQTT listeners off');
    if (urls.length) this.runtime.notice(`Devices connect to\n${urls.map((u) => `  ${u}`).join('\n')}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.wss?.close();
    for (const server of this.servers) server.close();
    await this.broker.close(); // every device reported offline: the heartbeat may stop
    this.parts.instance.stop();
    await this.parts.sessions.close();
    this.parts.client.close();
  }

  private listen(server: Server | HttpServer, port: number): Promise<string> {
    this.servers.push(server);
    const host = this.runtime.config.bindHost;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, backlog }, () => {
        const address = server.address() as AddressInfo;
        const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
        resolve(`${shown}:${address.port}`);
      });
    });
  }
}
