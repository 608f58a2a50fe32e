export { createShadow } from './shadow.bootstrap';
