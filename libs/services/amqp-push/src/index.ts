export { createAmqpPush } from './amqp-push.bootstrap';
