export { SecretBox, keyFromFile } from './secret-box';
